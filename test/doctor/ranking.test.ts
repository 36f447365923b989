// The causal table (ranking.ts): complete, acyclic, and used to put causes before the symptoms they explain;
// independent faults are all named, along the path from the fleet manager.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROOT_CAUSE_IDS, type RootCauseId } from '../../src/doctor/causes.js';
import { EXPLAINS, explainsTransitively, findCycle } from '../../src/doctor/ranking.js';
import { checkResult, deriveVerdicts, type CheckId, type Confidence } from '../../src/doctor/report.js';

test('the causal table covers every cause, names only known causes, and is acyclic', () => {
  assert.deepEqual(Object.keys(EXPLAINS).sort(), [...ROOT_CAUSE_IDS].sort());
  for (const [cause, explained] of Object.entries(EXPLAINS)) {
    for (const e of explained) assert.ok((ROOT_CAUSE_IDS as readonly string[]).includes(e), `${cause} explains unknown ${e}`);
    assert.ok(!explained.includes(cause as RootCauseId), `${cause} explains itself`);
  }
  assert.equal(findCycle(), undefined);
  // The cycle finder finds one when there is one.
  assert.deepEqual(findCycle({ a: ['b'], b: ['c'], c: ['a'], d: [] }), ['a', 'b', 'c', 'a']);
  assert.equal(EXPLAINS.unknown.length, 0);
  assert.ok(!Object.values(EXPLAINS).some((l) => l.includes('unknown')), 'nothing explains unknown');
  // Credentials and configuration explain the crash loop and readiness; the network explains timeouts.
  assert.ok(explainsTransitively('invalid-client-credentials').has('refresher-crashloop'));
  assert.ok(explainsTransitively('missing-client-credentials').has('client-timeout'));
  assert.ok(explainsTransitively('network-policy-blocks').has('client-timeout'));
});

const suspect = (id: CheckId, cause: RootCauseId, confidence: Confidence) =>
  checkResult(id, id, { status: 'fail', summary: cause, suspects: [{ cause, confidence, because: `${cause} seen` }] });

test('a crash loop whose log says invalid_client: the credentials cause first, the crash loop as its symptom', () => {
  const v = deriveVerdicts([suspect('logs', 'invalid-client-credentials', 'likely'), suspect('refresher-health', 'refresher-crashloop', 'confirmed')]);
  assert.deepEqual(v.map((x) => [x.cause, x.role, x.explainedBy]), [
    ['invalid-client-credentials', 'top', undefined],
    ['refresher-crashloop', 'explained', ['invalid-client-credentials']],
  ]);
});

test('a "possible" cause explains nothing: the confirmed symptom stays on top', () => {
  const v = deriveVerdicts([suspect('logs', 'invalid-client-credentials', 'possible'), suspect('refresher-health', 'refresher-crashloop', 'confirmed')]);
  assert.deepEqual(v.map((x) => [x.cause, x.role]), [['refresher-crashloop', 'top'], ['invalid-client-credentials', 'also']]);
});

test('independent faults: all named, along the path from the fleet manager, whatever the check order', () => {
  const v = deriveVerdicts([
    suspect('logs', 'backend-down', 'confirmed'),
    suspect('observatorium-health', 'observatorium-down', 'confirmed'),
    suspect('credentials', 'audience-mismatch', 'confirmed'),
    suspect('refresher-health', 'refresher-unreachable', 'likely'),
  ]);
  assert.deepEqual(v.map((x) => [x.cause, x.role]), [
    ['refresher-unreachable', 'top'], ['audience-mismatch', 'also'], ['backend-down', 'also'], ['observatorium-down', 'explained'],
  ]);
  assert.deepEqual(v[3]!.explainedBy, ['backend-down']);
});

test('a symptom explained through another symptom is listed under the first-ranked cause', () => {
  const v = deriveVerdicts([
    suspect('refresher-health', 'refresher-crashloop', 'confirmed'),
    suspect('logs', 'issuer-unreachable', 'likely'),
    suspect('credentials', 'missing-client-credentials', 'confirmed'),
  ]);
  assert.deepEqual(v.map((x) => [x.cause, x.role, x.explainedBy]), [
    ['missing-client-credentials', 'top', undefined],
    ['refresher-crashloop', 'explained', ['missing-client-credentials', 'issuer-unreachable']],
    ['issuer-unreachable', 'explained', ['missing-client-credentials']],
  ]);
});

test('src/doctor/README.md documents every cause with exactly the causes it explains', () => {
  const readme = readFileSync(new URL('../../src/doctor/README.md', import.meta.url), 'utf8');
  const rows = new Map([...readme.matchAll(/^\| `([a-z-]+)` \| [a-z-]+ \| [^|]+ \| ([^|]+) \|$/gm)].map((m) => [m[1]!, m[2]!.trim() === '-' ? [] : [...m[2]!.matchAll(/`([a-z-]+)`/g)].map((x) => x[1])]));
  assert.deepEqual([...rows.keys()].sort(), [...ROOT_CAUSE_IDS].sort());
  for (const id of ROOT_CAUSE_IDS) assert.deepEqual(rows.get(id), [...EXPLAINS[id]], id);
});
