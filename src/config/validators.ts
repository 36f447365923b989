import { z } from 'zod';

/** An absolute http:// or https:// URL (every endpoint flag of every component). */
export const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http:// or https:// URL');
