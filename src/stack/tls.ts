// `obspath up --tls`: a throwaway CA made at every start in <data>/tls/, and one server certificate for
// 127.0.0.1/localhost that every component serves. Node's crypto cannot issue X.509 certificates, so the
// openssl CLI does it (Debian's `openssl` package; a clear error when it is missing).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StackTls {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('--tls: the openssl CLI, which makes the certificates, is not on PATH; install it (Debian/Ubuntu: apt-get install openssl)');
    throw new Error(`obspath up --tls: openssl ${args[0]} failed: ${e.stderr?.toString().trim() || e.message}`);
  }
}

/** A new CA (valid 7 days) and a server certificate it signs for 127.0.0.1, ::1 and localhost, in <dataDir>/tls/. */
export function makeStackTls(dataDir: string): StackTls {
  const dir = join(dataDir, 'tls');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', caKey, '-out', caFile, '-days', '7', '-subj', `/CN=obspath up CA ${new Date().toISOString()}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const csr = join(dir, 'server.csr');
  openssl(['req', '-new', ...ec, '-keyout', keyFile, '-out', csr, '-subj', '/CN=localhost'], dir);
  const ext = join(dir, 'server.ext');
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '7', '-sha256', '-extfile', ext], dir);
  return { dir, caFile, certFile, keyFile };
}
