// Log signatures derived from the components' error catalogs (src/errors): one per catalog entry and hop, so
// every typed failure an obspath component can answer with is recognised in a log line (the fleet manager's
// `failures[]`, a refresher line) and read as a cause, or as evidence when it names none. What each entry
// means for the diagnosis is decided here, by source, errorType, reason and hop.

import type { Hop } from '../../http/errors.js';
import { ERROR_CATALOG, type CatalogEntry } from '../../errors/index.js';
import type { RootCauseId } from '../causes.js';
import { causeOfTokenFailure } from '../live/token-failure.js';
import type { Confidence } from '../report.js';
import type { LogSignature, ParsedLine } from './signatures.js';

export interface ErrorReading { cause: RootCauseId; confidence: Confidence }

const EVIDENCE: ErrorReading = { cause: 'unknown', confidence: 'possible' };
const r = (cause: RootCauseId, confidence: Confidence): ErrorReading => ({ cause, confidence });

/** What a 401's reason says (src/errors/api.ts AUTH_401_REASONS); the live check reads it the same way. */
export function readAuthReason(reason: string | undefined): ErrorReading {
  switch (reason) {
    case 'unknown_key': case 'bad_signature': return r('stale-signing-key', 'likely');
    case 'expired': return r('clock-skew', 'possible');
    case 'not_yet_valid': return r('clock-skew', 'likely');
    case 'wrong_audience': return r('audience-mismatch', 'likely');
    case 'wrong_issuer': return r('issuer-mismatch', 'likely');
    default: return EVIDENCE;
  }
}

function readApi(e: CatalogEntry): ErrorReading {
  if (e.reason === 'unknown_tenant') return r('tenant-not-registered', 'possible');
  if (e.errorType === 'too_many_requests') return r('rate-limited', 'likely');
  if (e.errorType === 'internal' && e.reason === 'internal') return r('observatorium-down', 'likely');
  if (e.reason === 'bad_query' && e.status === 503) return r('backend-down', 'possible');
  return EVIDENCE;
}

function readClient(e: CatalogEntry, hop: Hop): ErrorReading {
  if (hop === 'api') return e.status === 0 && e.errorType !== 'aborted' ? r('observatorium-unreachable', 'likely') : EVIDENCE;
  if (e.errorType === 'timeout') return r('client-timeout', 'possible');
  if (e.errorType === 'unreachable') return e.reason === 'refused' || e.reason === 'dns' ? r('refresher-unreachable', 'likely') : r('refresher-unreachable', 'possible');
  if (e.errorType === 'bad_response') return r('wrong-observatorium-url', 'possible');
  return EVIDENCE;
}

function readShared(e: CatalogEntry, hop: Hop): ErrorReading {
  if (e.reason === 'backend_unreachable') return r('backend-down', 'likely');
  if (e.reason === 'token_unavailable') return EVIDENCE;
  if (e.errorType === 'too_many_requests') return r('rate-limited', 'possible');
  if (e.errorType === 'not_found' && (hop === 'api' || hop === 'token-refresher')) return r('wrong-observatorium-url', 'possible');
  if (e.status >= 500 && e.reason !== 'shutting_down') {
    if (hop === 'api' || hop === 'auth') return r('observatorium-down', e.status === 500 ? 'likely' : 'possible');
    if (hop === 'store') return r('backend-down', 'likely');
  }
  return EVIDENCE;
}

/** The cause a catalog entry points at when a log line carries it with this hop. */
export function readingOf(e: CatalogEntry, hop: Hop): ErrorReading {
  switch (e.source) {
    case 'auth':
      if (e.status === 401) return readAuthReason(e.reason);
      return e.status === 403 ? r('rbac-denied', 'likely') : r('observatorium-down', 'likely');
    case 'api': return readApi(e);
    case 'backend': return r('backend-down', 'likely');
    case 'token-refresher': {
      if (e.errorType === 'token_unavailable') {
        if (e.reason === 'token_expired') return r('issuer-unreachable', 'likely');
        const c = e.reason ? causeOfTokenFailure(e.reason) : undefined;
        return c ? r(c.cause, 'likely') : EVIDENCE;
      }
      return e.reason === 'dns' ? r('wrong-observatorium-url', 'possible') : r('observatorium-unreachable', 'likely');
    }
    case 'store': return e.status >= 500 ? r('backend-down', 'likely') : EVIDENCE;
    case 'client': return readClient(e, hop);
    case 'http': return readShared(e, hop);
    default: return EVIDENCE; // fleet manager and issuer envelopes: evidence, the failures inside name the hop
  }
}

function matches(e: CatalogEntry, hop: Hop) {
  return (l: ParsedLine): boolean => {
    const j = l.json;
    if (!j || j.errorType !== e.errorType) return false;
    if (e.reason !== undefined && j.reason !== e.reason) return false;
    // A line without a hop says nobody named the answerer (an answer from behind a proxy): claiming one of the
    // hops that can send this error would blame a hop on a guess (api-5xx's bare 500 read as the store's).
    return j.hop === hop;
  };
}

/** One signature per catalog entry and hop; entries with a reason before the ones without (more specific first). */
export function catalogSignatures(catalog: readonly CatalogEntry[] = ERROR_CATALOG): LogSignature[] {
  const ordered = [...catalog.filter((e) => e.reason !== undefined), ...catalog.filter((e) => e.reason === undefined)];
  return ordered.flatMap((e) => e.hops.map((hop): LogSignature => {
    const reading = readingOf(e, hop);
    return {
      id: `catalog.${e.id}@${hop}`, origin: 'obspath',
      title: `${e.status === 0 ? 'no answer' : e.status} ${e.errorType}${e.reason ? ` (${e.reason})` : ''} from ${hop}`,
      test: matches(e, hop), cause: reading.cause, confidence: reading.confidence, meaning: e.meaning,
    };
  }));
}
