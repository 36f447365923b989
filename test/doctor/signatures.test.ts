// Every typed failure an obspath component can emit is in a catalog (src/errors), and every catalog entry is
// recognised by the doctor's step 1: a log line carrying it matches a signature, on either side of the path.
// The source is grepped for errorType/reason literals, so a new error cannot ship without its catalog entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { matchSignature, parseLine, scanLogs } from '../../src/doctor/logs/scan.js';
import { ERROR_CATALOG, type CatalogEntry } from '../../src/errors/index.js';
import { errorTypeForStatus } from '../../src/http/errors.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** The two shapes a typed failure takes in a log: a component's own line, and the fleet manager's failures[]. */
function linesCarrying(e: CatalogEntry, hop: string): string[] {
  const fields = { errorType: e.errorType, ...(e.reason ? { reason: e.reason } : {}), hop, status: e.status };
  return [
    JSON.stringify({ level: 50, time: 1714644000000, component: 'token-refresher', ...fields, msg: 'request failed' }),
    JSON.stringify({ level: 50, time: 1714644000000, component: 'fleet-manager', kafkaId: 'c9k', failedQueries: 1, totalQueries: 2, failures: [{ query: 'q', kind: 'http', ...fields, error: 'x' }], msg: 'KAFKAS-MGMT-9: failed' }),
  ];
}

test('catalog: ids are unique and every entry names at least one hop', () => {
  const ids = ERROR_CATALOG.map((e) => e.id);
  assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
  for (const e of ERROR_CATALOG) assert.ok(e.hops.length > 0, e.id);
});

test('catalog: every entry, from every hop it names, matches a log signature on both sides of the path', () => {
  const unmatched: string[] = [];
  let checked = 0;
  for (const e of ERROR_CATALOG) {
    for (const hop of e.hops) {
      for (const raw of linesCarrying(e, hop)) {
        for (const component of ['fleet-manager', 'token-refresher'] as const) {
          checked++;
          const sig = matchSignature(parseLine(raw), component);
          if (!sig) unmatched.push(`${e.id} from ${hop} in a ${component} line`);
        }
      }
    }
  }
  assert.deepEqual(unmatched, []);
  assert.ok(checked > 400, `only ${checked} lines checked`);
  // The scanner agrees: nothing is left as "error lines matching no known signature".
  const text = ERROR_CATALOG.flatMap((e) => e.hops.flatMap((h) => linesCarrying(e, h))).join('\n');
  const s = scanLogs([{ component: 'fleet-manager', source: 'x', text }]);
  assert.deepEqual(s.unmatchedErrors, []);
});

test('catalog: a typed line the catalog does not know stays visible as unmatched', () => {
  const s = scanLogs([{ component: 'fleet-manager', source: 'x', text: JSON.stringify({ level: 50, errorType: 'brand_new_failure', hop: 'api', msg: 'x' }) }]);
  assert.equal(s.unmatchedErrors[0]?.count, 1);
});

test('catalog: the 401 reasons each have their own reading', () => {
  const read = (reason: string) => matchSignature(parseLine(JSON.stringify({ level: 50, failures: [{ errorType: 'unauthorized', hop: 'auth', reason, status: 401 }], msg: 'x' })), 'fleet-manager');
  assert.equal(read('unknown_key')?.cause, 'stale-signing-key');
  assert.equal(read('bad_signature')?.cause, 'stale-signing-key');
  assert.equal(read('expired')?.cause, 'clock-skew');
  assert.equal(read('not_yet_valid')?.cause, 'clock-skew');
  assert.equal(read('wrong_audience')?.cause, 'audience-mismatch');
  assert.equal(read('wrong_issuer')?.cause, 'issuer-mismatch');
  assert.equal(read('missing_token')?.cause, 'unknown');
  const forbidden = matchSignature(parseLine(JSON.stringify({ level: 50, failures: [{ errorType: 'forbidden', hop: 'auth', reason: 'rbac_denied', status: 403 }], msg: 'x' })), 'fleet-manager');
  assert.equal(forbidden?.cause, 'rbac-denied');
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Folders whose `reason`s are not error-body reasons: the doctor's own, the catalog, the probe's metric labels. */
const NOT_EMITTERS = ['doctor/', 'errors/', 'probe/'];
/** Literals that are the API's rejected-requests counter labels (reject(req, <label>, error)), not body reasons. */
const COUNTER_LABELS = new Set(['auth', 'auth_unavailable']);

/** errorType and reason literals in the source: in HttpError/promError calls, `errorType:`/`reason:` fields and assignments. */
function emittedLiterals(): { errorTypes: Map<string, string>; reasons: Map<string, string> } {
  const errorTypes = new Map<string, string>();
  const reasons = new Map<string, string>();
  const literals = (s: string) => [...s.matchAll(/'([a-z][a-z_]*)'/g)].map((m) => m[1]!);
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file);
    if (NOT_EMITTERS.some((d) => rel.startsWith(d))) continue;
    // `typeof x === 'string'` is a type test, not an emitted value.
    const text = readFileSync(file, 'utf8').replace(/typeof\s+[\w.]+\s*[!=]==\s*'[a-z]+'/g, 'typeof_test');
    const at = (i: number) => `${rel}:${text.slice(0, i).split('\n').length}`;
    for (const m of text.matchAll(/new HttpError\(\s*[^,]+,\s*'([a-z_]+)'/g)) errorTypes.set(m[1]!, at(m.index));
    for (const m of text.matchAll(/promError\(\s*'([a-z_]+)'/g)) errorTypes.set(m[1]!, at(m.index));
    for (const m of text.matchAll(/\berrorType(?::|\s*=(?!=))\s*([^,;}\n]+)/g)) for (const l of literals(m[1]!)) errorTypes.set(l, at(m.index));
    for (const m of text.matchAll(/\breason(?::|\s*=(?!=))\s*([^,;}\n]+)/g)) for (const l of literals(m[1]!)) if (!COUNTER_LABELS.has(l)) reasons.set(l, at(m.index));
    for (const m of text.matchAll(/\b(?:bad|AuthError|TokenError|KeysUnavailableError)\(\s*(?:\d+,\s*)?'([a-z_]+)'/g)) reasons.set(m[1]!, at(m.index));
  }
  return { errorTypes, reasons };
}

test('source: every errorType and reason literal the components emit is in a catalog', () => {
  const { errorTypes, reasons } = emittedLiterals();
  assert.ok(errorTypes.size >= 15 && reasons.size >= 30, `the grep found too little (${errorTypes.size} errorTypes, ${reasons.size} reasons): is it still looking at the right code?`);
  const knownTypes = new Set(ERROR_CATALOG.map((e) => e.errorType));
  const knownReasons = new Set(ERROR_CATALOG.flatMap((e) => (e.reason ? [e.reason] : [])));
  const missingTypes = [...errorTypes].filter(([t]) => !knownTypes.has(t)).map(([t, where]) => `${t} (${where})`);
  const missingReasons = [...reasons].filter(([r]) => !knownReasons.has(r)).map(([r, where]) => `${r} (${where})`);
  assert.deepEqual(missingTypes, [], 'errorTypes emitted but in no catalog (add them to src/errors)');
  assert.deepEqual(missingReasons, [], 'reasons emitted but in no catalog (add them to src/errors)');
});

test('source: every errorType the shared HTTP layer derives from a status is in the catalog', () => {
  const knownTypes = new Set(ERROR_CATALOG.map((e) => e.errorType));
  for (let status = 400; status < 600; status++) assert.ok(knownTypes.has(errorTypeForStatus(status)), `${status} -> ${errorTypeForStatus(status)}`);
});
