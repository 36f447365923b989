// Certificates for tests and benchmarks, made with the openssl CLI: a CA, and leaf certificates it signs
// (server or client, with DNS/IP/email names, and any validity window, so expired and not-yet-valid ones too).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertFiles {
  certFile: string;
  keyFile: string;
  /** The certificate (PEM). */
  cert: string;
  key: string;
}

export interface Ca extends CertFiles {
  dir: string;
  name: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function files(certFile: string, keyFile: string): CertFiles {
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** A self-signed CA (EC P-256) named `name`, its files in `dir`. */
export function makeCa(dir: string, name = 'obspath-test-ca'): Ca {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '30', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  writeFileSync(join(dir, `${name}.index`), '');
  writeFileSync(join(dir, `${name}.serial`), '1000\n');
  return { ...files(certFile, keyFile), dir, name };
}

export interface LeafOptions {
  /** Subject CN. */
  cn: string;
  dns?: string[];
  ips?: string[];
  emails?: string[];
  /** Organizational units (observatorium's mTLS groups). */
  ou?: string[];
  /** serverAuth, clientAuth or both (default both). */
  usage?: 'server' | 'client' | 'both';
  /** Validity window; default: from an hour ago for a day. */
  notBefore?: Date;
  notAfter?: Date;
}

function asn1Time(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** A leaf certificate signed by `ca`, written as `<file>.crt` and `<file>.key` in the CA's dir. */
export function issueCert(ca: Ca, file: string, opts: LeafOptions): CertFiles {
  const dir = ca.dir;
  const keyFile = join(dir, `${file}.key`);
  const csr = join(dir, `${file}.csr`);
  const certFile = join(dir, `${file}.crt`);
  const subj = `/CN=${opts.cn}${(opts.ou ?? []).map((u) => `/OU=${u}`).join('')}`;
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', subj], dir);
  const san = [...(opts.dns ?? []).map((d) => `DNS:${d}`), ...(opts.ips ?? []).map((i) => `IP:${i}`), ...(opts.emails ?? []).map((e) => `email:${e}`)];
  const usage = opts.usage === 'server' ? 'serverAuth' : opts.usage === 'client' ? 'clientAuth' : 'serverAuth,clientAuth';
  const ext = join(dir, `${file}.ext`);
  writeFileSync(ext, `[leaf]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${usage}\n${san.length ? `subjectAltName=${san.join(',')}\n` : ''}`);
  const cnf = join(dir, `${ca.name}.cnf`);
  writeFileSync(cnf, `[ca]\ndefault_ca=d\n[d]\ndatabase=${ca.name}.index\nnew_certs_dir=.\nserial=${ca.name}.serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\nemail_in_dn=no\n[p]\ncommonName=supplied\norganizationalUnitName=optional\n`);
  const notBefore = opts.notBefore ?? new Date(Date.now() - 3600_000);
  const notAfter = opts.notAfter ?? new Date(Date.now() + 24 * 3600_000);
  openssl(['ca', '-batch', '-notext', '-config', cnf, '-cert', ca.certFile, '-keyfile', ca.keyFile, '-in', csr, '-out', certFile, '-extfile', ext, '-extensions', 'leaf',
    '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter), '-preserveDN'], dir);
  return files(certFile, keyFile);
}

/** A loopback server certificate (127.0.0.1, ::1, localhost). */
export function loopbackServerCert(ca: Ca, file: string, opts: Partial<LeafOptions> = {}): CertFiles {
  return issueCert(ca, file, { cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1', '::1'], usage: 'server', ...opts });
}
