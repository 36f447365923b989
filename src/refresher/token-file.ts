import { open, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/**
 * Writes the raw token to `path` atomically: a temp file in the same directory (so rename stays on one
 * filesystem), fsync, then rename. Readers see the old token or the new one, never half of either.
 * Mode 0600: the file is a bearer credential.
 */
export async function writeTokenFile(path: string, token: string, tempPath = join(dirname(path), `.${basename(path)}.tmp`)): Promise<void> {
  const fh = await open(tempPath, 'w', 0o600);
  try {
    await fh.writeFile(token);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tempPath, path);
  } catch (err) {
    await unlink(tempPath).catch(() => undefined);
    throw err;
  }
}
