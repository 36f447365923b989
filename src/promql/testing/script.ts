// Parser for Prometheus's promqltest scripts (load / clear / eval, `expect` lines and the deprecated eval_* forms).

import { parseDuration, parseNumber, unquoteString } from '../lex.js';
import type { Label } from '../../storage/interface.js';
import { parseSeriesDesc, type SequenceValue, type SeriesDesc } from './series-desc.js';

export interface LoadCommand {
  kind: 'load';
  line: number;
  interval: number;
  withNHCB: boolean;
  series: SeriesDesc[];
}

export interface ClearCommand {
  kind: 'clear';
  line: number;
}

export type ExpectType = 'fail' | 'ordered' | 'warn' | 'no_warn' | 'info' | 'no_info';

export interface ExpectLine {
  type: ExpectType;
  /** Exact message, or a regex (null message and null regex: match anything). */
  message: string | null;
  regex: RegExp | null;
}

export interface ExpectedSeries {
  labels: Label[];
  values: SequenceValue[];
  /** 1-based position among the expected series (for ordered checks). */
  pos: number;
}

export interface EvalCommand {
  kind: 'eval';
  line: number;
  expr: string;
  isRange: boolean;
  /** Instant: start = end = eval time. ms. */
  start: number;
  end: number;
  step: number;
  /** Deprecated eval_* modifiers. */
  fail: boolean;
  warn: boolean;
  info: boolean;
  ordered: boolean;
  expectedFailMessage: string | null;
  expectedFailRegexp: RegExp | null;
  expects: ExpectLine[];
  expectScalar: number | null;
  expectedString: string | null;
  expected: ExpectedSeries[];
  /** Some expected series uses native histogram syntax. */
  nativeHistogramExpected: boolean;
}

export type Command = LoadCommand | ClearCommand | EvalCommand;

export class ScriptError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
  }
}

const PAT_LOAD = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const PAT_EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const PAT_EVAL_RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const PAT_EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;

function duration(s: string, line: number): number {
  const d = parseDuration(s);
  if (d === null) throw new ScriptError(line, `invalid duration ${JSON.stringify(s)}`);
  return d;
}

/** Go regexp syntax is close enough to JS for the expect lines in the suite. */
function goRegex(pattern: string): RegExp {
  return new RegExp(pattern);
}

export function parseScript(input: string): Command[] {
  const lines = input.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
  const cmds: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const word = l.split(/[\t ]+/, 1)[0]!.toLowerCase();
    if (word === 'clear') {
      cmds.push({ kind: 'clear', line: i + 1 });
    } else if (word.startsWith('load')) {
      const m = PAT_LOAD.exec(l);
      if (!m) throw new ScriptError(i + 1, 'invalid load command. (load[_with_nhcb] <step:duration>)');
      const cmd: LoadCommand = { kind: 'load', line: i + 1, interval: duration(m[2]!, i + 1), withNHCB: m[1] === 'with_nhcb', series: [] };
      while (i + 1 < lines.length && lines[i + 1] !== '') {
        i++;
        try {
          cmd.series.push(parseSeriesDesc(lines[i]!));
        } catch (err) {
          throw new ScriptError(i + 1, (err as Error).message);
        }
      }
      cmds.push(cmd);
    } else if (word.startsWith('eval')) {
      const [next, cmd] = parseEval(lines, i);
      i = next;
      cmds.push(cmd);
    } else {
      throw new ScriptError(i + 1, `invalid command ${JSON.stringify(l)}`);
    }
  }
  return cmds;
}

function parseEval(lines: string[], i: number): [number, EvalCommand] {
  const l = lines[i]!;
  const inst = PAT_EVAL_INSTANT.exec(l);
  const range = PAT_EVAL_RANGE.exec(l);
  if (!inst && !range) throw new ScriptError(i + 1, 'invalid evaluation command');
  const mod = inst ? inst[1] : range![1];
  const cmd: EvalCommand = {
    kind: 'eval', line: i + 1, expr: inst ? inst[3]! : range![5]!, isRange: !inst, start: 0, end: 0, step: 0,
    fail: mod === 'fail', warn: mod === 'warn', info: mod === 'info', ordered: mod === 'ordered',
    expectedFailMessage: null, expectedFailRegexp: null, expects: [], expectScalar: null, expectedString: null, expected: [],
    nativeHistogramExpected: false,
  };
  if (inst) {
    cmd.start = cmd.end = duration(inst[2] ?? '0', i + 1);
  } else {
    cmd.start = duration(range![2]!, i + 1);
    cmd.end = duration(range![3]!, i + 1);
    cmd.step = duration(range![4]!, i + 1);
  }
  let pos = 0;
  while (i + 1 < lines.length && lines[i + 1] !== '') {
    i++;
    const def = lines[i]!;
    if (cmd.fail && def.startsWith('expected_fail_message')) {
      cmd.expectedFailMessage = def.slice('expected_fail_message'.length).trim();
      break;
    }
    if (cmd.fail && def.startsWith('expected_fail_regexp')) {
      cmd.expectedFailRegexp = goRegex(def.slice('expected_fail_regexp'.length).trim());
      break;
    }
    if (def.startsWith('expect string')) {
      cmd.expectedString = unquoteString(def.slice('expect string'.length).trim());
      continue;
    }
    if (def.split(' ')[0] === 'expect') {
      const m = PAT_EXPECT.exec(def);
      if (!m) throw new ScriptError(i + 1, 'invalid expect statement, must match `expect <type> <match_type>: <string>` format');
      const text = m[3]?.trim() ?? null;
      cmd.expects.push({
        type: m[1] as ExpectType,
        message: m[2] === 'msg' ? text : null,
        regex: m[2] === 'regex' ? goRegex(text!) : null,
      });
      continue;
    }
    const num = parseScalarLine(def);
    if (num !== null) {
      cmd.expectScalar = num;
      break;
    }
    pos++;
    try {
      const desc = parseSeriesDesc(def);
      if (desc.nativeHistogram) cmd.nativeHistogramExpected = true;
      if (desc.values.length > 1 && !cmd.isRange) throw new Error('expecting multiple values in instant evaluation not allowed');
      cmd.expected.push({ labels: desc.labels, values: desc.values, pos });
    } catch (err) {
      throw new ScriptError(i + 1, (err as Error).message);
    }
  }
  return [i, cmd];
}

/** Go's strconv.ParseInt(s, 0, 64) or ParseFloat(s, 64). */
function parseScalarLine(s: string): number | null {
  if (/^[+-]?(0x[0-9a-f]+|0o?[0-7]+|0b[01]+|\d+)$/i.test(s)) return Number(s.replace(/^([+-]?)0o?([0-7]+)$/i, (_, sign: string, d: string) => String(parseInt(sign + d, 8))));
  if (/^[+-]?(inf|infinity|nan)$/i.test(s) || /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return parseNumber(s);
  return null;
}
