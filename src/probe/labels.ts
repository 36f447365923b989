// The prober's label flags, in observatorium/up's form: `k="v",k2="v2"`, values Go-quoted. Also accepted:
// raw `k=\`v\`` values and bare values without quotes, commas or spaces (`k=v`), and several --labels
// flags, which add up (up let a second flag replace the first, silently dropping labels).

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export class LabelsSyntaxError extends Error {}

export function isValidMetricName(name: string): boolean {
  return METRIC_NAME_RE.test(name);
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };

/** Reads a Go interpreted string literal starting at text[start] === '"'; returns the value and the index after the closing quote. */
function readGoQuoted(text: string, start: number, label: string): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') return { value: out, end: i + 1 };
    if (c === '\n') break;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e !== undefined && e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i += 2;
      continue;
    }
    const hex = (n: number) => {
      const digits = text.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw new LabelsSyntaxError(`label ${label}: bad escape \\${e}${digits} in its value`);
      return parseInt(digits, 16);
    };
    if (e === 'x') {
      out += String.fromCharCode(hex(2));
      i += 4;
    } else if (e === 'u') {
      out += String.fromCodePoint(hex(4));
      i += 6;
    } else if (e === 'U') {
      const cp = hex(8);
      if (cp > 0x10ffff) throw new LabelsSyntaxError(`label ${label}: escape \\U${text.slice(i + 2, i + 10)} is not a valid code point`);
      out += String.fromCodePoint(cp);
      i += 10;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const digits = text.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) throw new LabelsSyntaxError(`label ${label}: octal escapes need three digits, got \\${digits}`);
      out += String.fromCharCode(parseInt(digits, 8));
      i += 4;
    } else {
      throw new LabelsSyntaxError(`label ${label}: unknown escape \\${e ?? ''} in its value`);
    }
  }
  throw new LabelsSyntaxError(`label ${label}: its quoted value has no closing "`);
}

/**
 * Parses one --labels value into `into`. Throws LabelsSyntaxError naming the label and the problem,
 * e.g. `label env: its quoted value has no closing "`.
 */
export function parseLabelsInto(text: string, into: Record<string, string>): void {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skipSpace();
  while (i < text.length) {
    const nameMatch = /^[^=,\s]*/.exec(text.slice(i))![0];
    const name = nameMatch;
    i += name.length;
    if (!LABEL_NAME_RE.test(name)) throw new LabelsSyntaxError(`"${name}" is not a valid label name (letters, digits and _, not starting with a digit) in --labels ${JSON.stringify(text)}`);
    skipSpace();
    if (text[i] !== '=') throw new LabelsSyntaxError(`label ${name}: expected ${name}="value" in --labels ${JSON.stringify(text)}`);
    i++;
    skipSpace();
    let value: string;
    if (text[i] === '"') {
      const q = readGoQuoted(text, i, name);
      value = q.value;
      i = q.end;
    } else if (text[i] === '`') {
      const close = text.indexOf('`', i + 1);
      if (close < 0) throw new LabelsSyntaxError(`label ${name}: its \`raw\` value has no closing \``);
      value = text.slice(i + 1, close);
      i = close + 1;
    } else {
      const bare = /^[^,\s"`]*/.exec(text.slice(i))![0];
      value = bare;
      i += bare.length;
      if (text[i] === '"' || text[i] === '`') throw new LabelsSyntaxError(`label ${name}: a quote inside a bare value; quote the whole value: ${name}="..."`);
    }
    if (name === '__name__') throw new LabelsSyntaxError('label __name__: the metric name is set with --name, not --labels');
    if (name.startsWith('__')) throw new LabelsSyntaxError(`label ${name}: names starting with __ are reserved`);
    if (name in into) throw new LabelsSyntaxError(`label ${name} is given twice`);
    into[name] = value;
    skipSpace();
    if (i >= text.length) break;
    if (text[i] !== ',') throw new LabelsSyntaxError(`label ${name}: expected a comma after its value, got ${JSON.stringify(text.slice(i, i + 10))}`);
    i++;
    skipSpace();
  }
}

/** All --labels values (one string, several, or a mapping from a config file) as one label set. */
export function parseLabels(input: string | readonly string[] | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof input === 'string') parseLabelsInto(input, out);
  else if (Array.isArray(input)) for (const s of input as readonly string[]) parseLabelsInto(s, out);
  else {
    for (const [k, v] of Object.entries(input)) {
      // Reuse the checks on names by parsing a quoted form of each pair.
      parseLabelsInto(`${k}=${JSON.stringify(v)}`, out);
    }
  }
  return out;
}

/** A PromQL string literal (double-quoted, escaped) for a label value. */
export function promqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** The selector of the probe's series: `{__name__="n", k="v", ...}`, labels sorted. */
export function probeSelector(name: string, labels: Record<string, string>): string {
  const pairs = [['__name__', name] as const, ...Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))];
  return `{${pairs.map(([k, v]) => `${k}=${promqlString(v)}`).join(', ')}}`;
}
