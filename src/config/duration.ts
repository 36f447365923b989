import { z } from 'zod';
import { parseGoDuration } from '../duration/duration.js';

// Flags and config files take Go durations (src/duration/duration.ts holds the grammar, shared with PromQL's).
export { formatGoDuration as formatDuration, parseGoDuration as parseDuration } from '../duration/duration.js';

/** zod type for a duration given as a string ("30s") or as milliseconds (number): yields milliseconds. */
export const durationMs = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  try {
    return parseGoDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
