// mTLS tenants (observatorium/api's authentication/mtls.go): the caller is the client certificate the TLS
// listener received, verified against the tenant's CAs (ca or caPath), with clientAuth usage. The subject
// is the certificate's first email SAN, else URI, DNS name, IP address (observatorium's order), with the
// CN as the last resort; its organizational units are its groups.
import { X509Certificate } from 'node:crypto';
import type { TLSSocket, DetailedPeerCertificate } from 'node:tls';
import type { AuthFailureReason } from '../../errors/api.js';
import type { AuthenticatorStatus, Identity } from './oidc.js';

/** Why an mTLS caller was refused (401, as observatorium). */
export class MtlsError extends Error {
  constructor(readonly reason: Extract<AuthFailureReason, 'no_client_certificate' | 'untrusted_certificate' | 'no_subject'>, message: string) {
    super(message);
    this.name = 'MtlsError';
  }
}

/** The first entry of a SAN list of one kind ("email:", "URI:", "DNS:", "IP Address:"). */
function san(list: string[], prefix: string): string | undefined {
  return list.find((e) => e.startsWith(prefix))?.slice(prefix.length);
}

function sanEntries(cert: X509Certificate): string[] {
  // Node prints SANs as "DNS:a, email:b, IP Address:c"; values with commas are quoted (JSON).
  return (cert.subjectAltName ?? '').split(/, (?=[A-Za-z ]+:)/).map((s) => s.replace(/^([A-Za-z ]+:)"(.*)"$/, (_m, k: string, v: string) => k + JSON.parse(`"${v}"`)));
}

function subjectField(cert: X509Certificate, field: string): string[] {
  return cert.subject.split('\n').filter((l) => l.startsWith(`${field}=`)).map((l) => l.slice(field.length + 1));
}

export function identityOf(cert: X509Certificate): Identity {
  const sans = sanEntries(cert);
  const subject = san(sans, 'email:') ?? san(sans, 'URI:') ?? san(sans, 'DNS:') ?? san(sans, 'IP Address:') ?? subjectField(cert, 'CN')[0];
  if (!subject) throw new MtlsError('no_subject', 'the client certificate has no email, URI, DNS or IP name and no CN to take the subject from');
  return { subject, groups: subjectField(cert, 'OU'), expiresAt: Date.parse(cert.validTo) };
}

/** The leaf and the chain the client sent (issuer links), as X509Certificates. */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const leaf = socket.getPeerCertificate(true) as DetailedPeerCertificate | Record<string, never>;
  if (!leaf || !('raw' in leaf) || !leaf.raw) return [];
  const chain: X509Certificate[] = [];
  let cur: DetailedPeerCertificate | undefined = leaf as DetailedPeerCertificate;
  while (cur?.raw && chain.length < 8) {
    chain.push(new X509Certificate(cur.raw));
    cur = cur.issuerCertificate && cur.issuerCertificate !== cur ? cur.issuerCertificate : undefined;
  }
  return chain;
}

export class MtlsAuthenticator {
  readonly kind = 'mtls';

  constructor(readonly tenant: string, private readonly cas: readonly X509Certificate[]) {}

  start(): void {}

  status(): AuthenticatorStatus {
    return { ready: true, issuer: 'mTLS', keys: this.cas.length };
  }

  async close(): Promise<void> {}

  /** The caller of a TLS connection; throws MtlsError when it has no certificate the tenant's CAs signed. */
  authenticatePeer(socket: TLSSocket | undefined, now = Date.now()): Identity {
    const chain = socket && typeof socket.getPeerCertificate === 'function' ? peerChain(socket) : [];
    const leaf = chain[0];
    if (!leaf) throw new MtlsError('no_client_certificate', `tenant "${this.tenant}" authenticates with client certificates: none was presented${socket && typeof socket.getPeerCertificate === 'function' ? '' : ' (this listener does not serve TLS)'}`);
    if (!this.verifies(leaf, chain.slice(1), now)) {
      throw new MtlsError('untrusted_certificate', `client certificate "${leaf.subject.replace(/\n/g, ', ')}" is not signed by a CA of tenant "${this.tenant}", is not for client authentication, or is outside its validity`);
    }
    return identityOf(leaf);
  }

  /** Leaf (then intermediates the client sent) up to one of the tenant's CAs, each link in its validity. */
  private verifies(leaf: X509Certificate, intermediates: X509Certificate[], now: number): boolean {
    if (!valid(leaf, now) || !clientUsage(leaf)) return false;
    let cur = leaf;
    for (let depth = 0; depth < 8; depth++) {
      if (this.cas.some((ca) => valid(ca, now) && cur.checkIssued(ca) && cur.verify(ca.publicKey))) return true;
      const next = intermediates.find((c) => c.ca && valid(c, now) && cur.checkIssued(c) && cur.verify(c.publicKey));
      if (!next) return false;
      cur = next;
    }
    return false;
  }
}

function valid(c: X509Certificate, now: number): boolean {
  return now >= Date.parse(c.validFrom) && now <= Date.parse(c.validTo);
}

/** As Go's x509 with ExtKeyUsageClientAuth: no EKU means any usage. */
function clientUsage(c: X509Certificate): boolean {
  const eku = c.keyUsage;
  return !eku || eku.length === 0 || eku.includes('1.3.6.1.5.5.7.3.2') || eku.includes('2.5.29.37.0');
}
