// Postings: sorted arrays of series refs, and the set operations a selector needs.

export type Postings = readonly number[];

export const EMPTY: Postings = [];

export function intersect(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  // Gallop-free merge: both sides are usually of similar size for label selectors.
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** a \ b */
export function without(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out.push(x);
  }
  return out;
}

/** Union of many sorted lists (k-way via pairwise merging, which keeps it simple and O(n log k)). */
export function merge(lists: readonly Postings[]): Postings {
  if (lists.length === 0) return EMPTY;
  let work: Postings[] = lists.slice();
  while (work.length > 1) {
    const next: Postings[] = [];
    for (let i = 0; i < work.length; i += 2) {
      next.push(i + 1 < work.length ? union2(work[i]!, work[i + 1]!) : work[i]!);
    }
    work = next;
  }
  return work[0]!;
}

function union2(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
