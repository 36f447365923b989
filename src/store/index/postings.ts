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

/** The first index i >= from with list[i] >= x (list.length when none), galloping then bisecting. */
export function seek(list: Postings, x: number, from: number): number {
  const n = list.length;
  if (from >= n || list[from]! >= x) return from;
  // Invariant: list[lo] < x; the answer is in (lo, hi].
  let lo = from;
  let step = 1;
  let hi = from + 1;
  while (hi < n && list[hi]! < x) {
    lo = hi;
    step <<= 1;
    hi = lo + step;
  }
  if (hi > n) hi = n;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < x) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The refs of `cand` that are in some list of `lists` (keep = true), or in none of them (keep = false):
 * `cand ∩ ∪lists` or `cand \ ∪lists` without building the union when `cand` is the small side (a few
 * candidates against the long lists of a common label value), which is Prometheus's Seek-based intersection.
 */
export function filterByLists(cand: Postings, lists: readonly Postings[], keep: boolean): Postings {
  if (lists.length === 0 || cand.length === 0) return keep ? EMPTY : cand;
  let total = 0;
  for (const l of lists) total += l.length;
  // Seeking costs about log(gap) per candidate and list; a linear merge costs the lists' total length.
  if (cand.length * lists.length * 4 > total) return keep ? intersect(cand, merge(lists)) : without(cand, merge(lists));
  const cursors = new Array<number>(lists.length).fill(0);
  const out: number[] = [];
  for (let i = 0; i < cand.length; i++) {
    const x = cand[i]!;
    let found = false;
    for (let j = 0; j < lists.length; j++) {
      const list = lists[j]!;
      const c = (cursors[j] = seek(list, x, cursors[j]!));
      if (c < list.length && list[c] === x) {
        found = true;
        break;
      }
    }
    if (found === keep) out.push(x);
  }
  return out;
}
