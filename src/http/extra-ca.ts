// A CA that this process trusts on top of the system roots, for every undici client it runs: the global
// dispatcher (plain `request()` calls) and the agents that ask for extraCaConnectOptions(). For `obspath up --tls`
// in-process (data plane, dashboard user, the orchestrator's readiness polls) and the doctor of such a stack;
// child processes get the same CA through NODE_EXTRA_CA_CERTS instead.
import { rootCertificates } from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';

const extra: string[] = [];

/** Trusts `pem` (one or more CA certificates) from now on, in addition to the system roots and earlier ones. */
export function trustExtraCa(pem: string): void {
  if (!pem.trim() || extra.includes(pem)) return;
  extra.push(pem);
  setGlobalDispatcher(new Agent({ connect: extraCaConnectOptions() }));
}

/** `connect` options for an undici Agent: the system roots plus the extra CAs; empty without extra CAs. */
export function extraCaConnectOptions(): { ca?: string[] } {
  return extra.length ? { ca: [...rootCertificates, ...extra] } : {};
}
