// Builds a block's `index` file (format v2, as Prometheus 2.42 writes it): symbols, series (16-byte
// aligned, id = offset / 16), label indices, postings (the all-series list under ("", "") first), label
// offset table, postings offset table, TOC. Every section carries its CRC32 Castagnoli.
import type { Labels } from '../../storage/interface.js';
import { Encbuf, crc32c } from './encoding.js';

export const INDEX_MAGIC = 0xbaaad700;
export const INDEX_V2 = 2;

export interface ChunkMeta {
  ref: number;
  minT: number;
  /** Last sample's timestamp (inclusive). */
  maxT: number;
}

/** Orders strings by their UTF-8 bytes, as Go does (JS `<` differs only for surrogate pairs). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Prometheus's labels.Compare: pairwise by name then value, then the shorter set first. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(a[i]!.name, b[i]!.name) || compareStrings(a[i]!.value, b[i]!.value);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Writes a `len <4b> | body | CRC32(body)` section; `body` fills the buffer after the length. */
function section(e: Encbuf, body: (e: Encbuf) => void): void {
  const start = e.len;
  e.putBE32(0);
  body(e);
  e.buf.writeUInt32BE(e.len - start - 4, start);
  e.putBE32(crc32c(e.buf, start + 4, e.len));
}

/** Encodes the index of series given sorted by label set, each with its chunks in time order. */
export function encodeIndex(series: ReadonlyArray<{ labels: Labels; chunks: readonly ChunkMeta[] }>): Buffer {
  const symbolSet = new Set<string>();
  for (const s of series) for (const l of s.labels) symbolSet.add(l.name).add(l.value);
  const symbols = [...symbolSet].sort(compareStrings);
  const symbolId = new Map(symbols.map((s, i) => [s, i]));

  const e = new Encbuf(1 << 16);
  e.putBE32(INDEX_MAGIC);
  e.putByte(INDEX_V2);
  const toc = { symbols: e.len, series: 0, labelIndices: 0, labelOffsets: 0, postings: 0, postingsOffsets: 0 };
  section(e, (b) => {
    b.putBE32(symbols.length);
    for (const s of symbols) b.putUvarintStr(s);
  });

  toc.series = e.len;
  const ids: number[] = [];
  const byName = new Map<string, Map<string, number[]>>();
  for (const s of series) {
    e.pad(16);
    const id = e.len / 16;
    ids.push(id);
    writeSeries(e, s.labels, s.chunks, symbolId);
    for (const l of s.labels) {
      let values = byName.get(l.name);
      if (values === undefined) byName.set(l.name, (values = new Map()));
      const list = values.get(l.value);
      if (list === undefined) values.set(l.value, [id]);
      else list.push(id);
    }
  }
  const names = [...byName.keys()].sort(compareStrings);

  toc.labelIndices = e.len;
  const labelIndexAt: number[] = [];
  for (const name of names) {
    e.pad(4);
    labelIndexAt.push(e.len);
    const values = [...byName.get(name)!.keys()].map((v) => symbolId.get(v)!).sort((a, b) => a - b);
    section(e, (b) => {
      b.putBE32(1);
      b.putBE32(values.length);
      for (const v of values) b.putBE32(v);
    });
  }

  e.pad(4);
  toc.postings = e.len;
  const postingsAt: Array<{ name: string; value: string; at: number }> = [];
  const writePostings = (name: string, value: string, list: readonly number[]) => {
    e.pad(4);
    postingsAt.push({ name, value, at: e.len });
    section(e, (b) => {
      b.putBE32(list.length);
      for (const id of list) b.putBE32(id);
    });
  };
  writePostings('', '', ids);
  for (const name of names) {
    const values = byName.get(name)!;
    for (const value of [...values.keys()].sort(compareStrings)) writePostings(name, value, values.get(value)!);
  }

  toc.labelOffsets = e.len;
  section(e, (b) => {
    b.putBE32(names.length);
    names.forEach((name, i) => {
      b.putUvarint(1);
      b.putUvarintStr(name);
      b.putUvarint(labelIndexAt[i]!);
    });
  });

  toc.postingsOffsets = e.len;
  section(e, (b) => {
    b.putBE32(postingsAt.length);
    for (const p of postingsAt) {
      b.putUvarint(2);
      b.putUvarintStr(p.name);
      b.putUvarintStr(p.value);
      b.putUvarint(p.at);
    }
  });

  const tocStart = e.len;
  for (const v of [toc.symbols, toc.series, toc.labelIndices, toc.labelOffsets, toc.postings, toc.postingsOffsets]) e.putBE64(v);
  e.putBE32(crc32c(e.buf, tocStart, e.len));
  return Buffer.from(e.get());
}

function writeSeries(e: Encbuf, labels: Labels, chunks: readonly ChunkMeta[], symbolId: ReadonlyMap<string, number>): void {
  const body = new Encbuf(64 + chunks.length * 12);
  body.putUvarint(labels.length);
  for (const l of labels) {
    body.putUvarint(symbolId.get(l.name)!);
    body.putUvarint(symbolId.get(l.value)!);
  }
  body.putUvarint(chunks.length);
  let prevMaxT = 0;
  let prevRef = 0;
  chunks.forEach((c, i) => {
    if (i === 0) {
      body.putVarint(c.minT);
      body.putUvarint(c.maxT - c.minT);
      body.putUvarint(c.ref);
    } else {
      body.putUvarint(c.minT - prevMaxT);
      body.putUvarint(c.maxT - c.minT);
      body.putVarint(c.ref - prevRef);
    }
    prevMaxT = c.maxT;
    prevRef = c.ref;
  });
  e.putUvarint(body.len);
  e.putBytes(body.get());
  e.putBE32(crc32c(body.buf, 0, body.len));
}
