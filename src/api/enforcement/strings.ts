// Go string literals as PromQL writes them: "double" (escapes), 'single' (escapes), `raw`.

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };

/** Decodes a PromQL string literal; throws on a malformed one. */
export function unquote(lit: string): string {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) throw new Error(`malformed string literal ${lit}`);
  const body = lit.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new Error(`malformed raw string ${lit}`);
    return body;
  }
  if (q !== '"' && q !== "'") throw new Error(`malformed string literal ${lit}`);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === q || c === '\n') throw new Error(`malformed string literal ${lit}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error(`malformed escape in ${lit}`);
    if (e in SIMPLE) {
      if ((e === "'" && q === '"') || (e === '"' && q === "'")) throw new Error(`unknown escape sequence \\${e} in ${lit}`);
      out += SIMPLE[e];
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw new Error(`malformed \\${e} escape in ${lit}`);
      const cp = parseInt(hex, 16);
      if (e === 'x') out += String.fromCharCode(cp);
      else if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new Error(`invalid code point in ${lit}`);
      else out += String.fromCodePoint(cp);
      i += n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error(`malformed octal escape in ${lit}`);
      const v = parseInt(oct, 8);
      if (v > 255) throw new Error(`octal escape out of range in ${lit}`);
      out += String.fromCharCode(v);
      i += 2;
    } else {
      throw new Error(`unknown escape sequence \\${e} in ${lit}`);
    }
  }
  return out;
}

/** A double-quoted literal both Go and PromQL read back as `s`. */
export function quote(s: string): string {
  return JSON.stringify(s);
}
