// Client-side TLS for calls to another hop: a CA bundle and an optional client certificate (mTLS), read and
// checked at start so a wrong file is a configuration error naming its flag, not a failed request later.
import { loadKeyPair, parsePemCertificates, TlsConfigError } from './tls.js';
import { readFileSync } from 'node:fs';

/** What undici's `connect` (and node:https) take. */
export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface ClientTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** The flag names of the three files, for errors ("--metrics.tls.ca-file"). */
export interface ClientTlsFlags {
  ca: string;
  cert: string;
  key: string;
}

/** Reads and checks the files; undefined when none is set. */
export function loadClientTls(files: ClientTlsFiles, flags: ClientTlsFlags): ClientTls | undefined {
  const { caFile, certFile, keyFile } = files;
  if (!caFile && !certFile && !keyFile) return undefined;
  if (Boolean(certFile) !== Boolean(keyFile)) throw new TlsConfigError(`${certFile ? flags.key : flags.cert} is required with ${certFile ? flags.cert : flags.key}`);
  const out: ClientTls = {};
  if (caFile) {
    try {
      out.ca = readFileSync(caFile);
    } catch (err) {
      throw new TlsConfigError(`${flags.ca}: cannot read ${caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    parsePemCertificates(out.ca, `${flags.ca} ${caFile}`);
  }
  if (certFile && keyFile) {
    try {
      const pair = loadKeyPair(certFile, keyFile);
      out.cert = pair.cert;
      out.key = pair.key;
    } catch (err) {
      throw new TlsConfigError(`${flags.cert}: ${(err as Error).message}`);
    }
  }
  return out;
}
