// Every command's --help: wrapped at HELP_WIDTH columns and ending with a few examples, so a newcomer can
// copy a working command line from the help alone.
import { Help, type Command } from 'commander';

export const HELP_WIDTH = 100;

/**
 * Splits words longer than `width` (URLs, long paths) into pieces that fit, preferably right after a
 * "/", "," or "&", so that no help line is wider than the terminal the help was wrapped for.
 */
export function breakLongWords(text: string, width: number): string {
  return text.replace(/\S+/g, (word) => {
    const pieces: string[] = [];
    let rest = word;
    while (rest.length > width) {
      const window = rest.slice(0, width);
      const cut = Math.max(window.lastIndexOf('/'), window.lastIndexOf(','), window.lastIndexOf('&')) + 1;
      const at = cut > width / 3 ? cut : width;
      pieces.push(rest.slice(0, at));
      rest = rest.slice(at);
    }
    return [...pieces, rest].join(' ');
  });
}

/** Greedy word wrap of one paragraph (over-long words are broken, see breakLongWords). */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of breakLongWords(text.trim(), width - indent.length).split(/\s+/)) {
    if (cur && indent.length + cur.length + 1 + word.length > width) {
      lines.push(indent + cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(indent + cur);
  return lines;
}

/**
 * Wraps the command's help at HELP_WIDTH and appends `notes` (paragraphs separated by blank lines,
 * re-wrapped) and an "Examples:" block. Each example is [command, what it does]; a command that
 * does not fit on one line may contain "\n" (continuation lines are indented).
 */
export function helpWithExamples(cmd: Command, opts: { notes?: string; examples: [string, string][] }): Command {
  cmd.configureHelp({
    helpWidth: HELP_WIDTH,
    // Commander leaves a word wider than the description column whole; break it instead.
    boxWrap(this: Help, str: string, width: number) {
      return Help.prototype.boxWrap.call(this, breakLongWords(str, width), width);
    },
  });
  const notes = (opts.notes ?? '')
    .split(/\n\s*\n/)
    .filter((p) => p.trim())
    .map((p) => wrapText(p, HELP_WIDTH).join('\n'));
  const examples = opts.examples.map(([command, what]) => [
    ...wrapText(what, HELP_WIDTH, '  # '),
    ...command.split('\n').map((l, i) => `  ${i > 0 ? '    ' : ''}${l}`),
  ].join('\n'));
  cmd.addHelpText('after', ['', ...notes.flatMap((n) => [n, '']), 'Examples:', examples.join('\n\n')].join('\n'));
  return cmd;
}
