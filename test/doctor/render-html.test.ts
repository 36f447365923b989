// `doctor -o html`: one self-contained page with every section (steps with status and evidence, the verdict
// chain, the fix, the escalation), for a healthy and for a faulty report; hostile text from logs escaped;
// no secret; nothing that loads or runs anything. The faulty report is a real run over a copy of the incident
// snapshot whose refresher log gained a hostile line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, cp } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapshotClusterFacts } from '../../src/doctor/k8s/snapshot-source.js';
import { renderReport } from '../../src/doctor/render.js';
import { esc } from '../../src/doctor/render-html.js';
import { buildReport, checkResult, type DoctorReport } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/run.js';
import { tempDir } from '../../tools/testing/net.js';
import { REPO_ROOT } from '../../tools/testing/procs.js';

const NOW = new Date('2024-05-02T10:15:00Z');
const SECRET = 'hunter2-client-s3cret';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL3NzbyJ9.c2lnbmF0dXJlc2lnbmF0dXJl';
const HOSTILE = `level=error ts=2024-05-02T10:09:00Z msg="<script>alert('x')</script><img src=x onerror=alert(1)> client_secret=${SECRET} Authorization: Bearer ${JWT}"`;

function healthy(): DoctorReport {
  const ok = (id: Parameters<typeof checkResult>[0], title: string) => checkResult(id, title, { status: 'ok', summary: `${title}: fine`, evidence: [{ text: `${title} checked` }] });
  return buildReport({ kind: 'local', description: 'obspath up in .obspath', namespace: 'local' }, [
    ok('logs', 'Fleet manager and token refresher logs'), ok('observatorium-url', 'Observatorium URL is correct'),
    ok('credentials', 'Client ID, client secret and issuer URL are populated'), ok('network-policy', 'NetworkPolicy admits the fleet manager to the token refresher'),
    ok('refresher-health', 'Token refresher deployment is up'), ok('observatorium-health', 'Observatorium instance is up'),
  ], { environment: 'local', now: NOW });
}

async function faulty(): Promise<DoctorReport> {
  const dir = await tempDir('obspath-html-');
  try {
    await cp(join(REPO_ROOT, 'test/fixtures/doctor/incident'), dir.path, { recursive: true });
    await appendFile(join(dir.path, 'logs', 'token-refresher-7d9f8b6c5-q8w7e.previous.log'), `${HOSTILE}\n`);
    const facts = new SnapshotClusterFacts(dir.path, 'managed-services-stage');
    return await runDoctor({ facts, now: NOW, secrets: [SECRET], escalation: { policyUrl: 'https://example.invalid/policy?a=1&b=2' } });
  } finally {
    await dir.cleanup();
  }
}

/** What makes the page load or run something: none may appear. */
const ACTIVE = [/<script/i, /<img/i, /<link/i, /<iframe/i, /<object/i, /<embed/i, /<[a-z][^>]*\son[a-z]+\s*=/i, /@import/i, /url\(/i, /<[a-z][^>]*\ssrc\s*=/i, /javascript:/i];

function assertSelfContained(html: string): void {
  for (const re of ACTIVE) assert.ok(!re.test(html), `the page contains ${re}`);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'/);
  assert.match(html, /@media \(prefers-color-scheme:dark\)/);
  assert.match(html, /@media print\{/);
  // Every link is an in-page anchor or the escalation policy.
  for (const m of html.matchAll(/href="([^"]*)"/g)) assert.ok(m[1]!.startsWith('#') || m[1]!.startsWith('https://example.invalid/'), m[1]);
  for (const tag of ['section', 'ul', 'ol', 'li', 'pre', 'table', 'p']) {
    const open = html.match(new RegExp(`<${tag}[\\s>]`, 'g'))?.length ?? 0;
    assert.equal(open, html.match(new RegExp(`</${tag}>`, 'g'))?.length ?? 0, `<${tag}> balanced`);
  }
}

function sections(html: string): string[] {
  return [...html.matchAll(/<section id="([a-z]+)"><h2>/g)].map((m) => m[1]!);
}

test('html: a healthy report has every section, each step OK, no verdict, no escalation', () => {
  const r = healthy();
  const html = renderReport(r, 'html');
  assertSelfContained(html);
  assert.deepEqual(sections(html), ['summary', 'verdict', 'fix', 'escalation', 'steps']);
  for (const c of r.checks) {
    assert.ok(html.includes(`<section class="card s-ok" id="step-${c.id}">`), c.id);
    assert.ok(html.includes(`${c.step}. ${esc(c.title)}`), c.id);
    assert.ok(html.includes(`<li>${esc(c.title)} checked</li>`), `${c.id}: evidence`);
  }
  assert.match(html, /<section id="verdict"><h2>Verdict<\/h2><p>No fault found on the checked steps\.<\/p>/);
  assert.match(html, /<section id="fix"><h2>Fix<\/h2><p>Nothing to fix\.<\/p>/);
  assert.match(html, /<section id="escalation"><h2>Escalation<\/h2><p>No escalation needed/);
  assert.match(html, /<title>obspath doctor: OK: obspath up in \.obspath<\/title>/);
});

test('html: a faulty report has the steps, the verdict chain with confidence and evidence, the fix, the escalation; hostile log text escaped; no secret', async () => {
  const r = await faulty();
  assert.equal(r.status, 'fail');
  assert.ok(r.verdicts.length >= 2, 'a chain of verdicts');
  // An Observatorium-side cause on top, so the escalation block is filled: keep the report as the doctor made it but for that.
  const withEscalation: DoctorReport = { ...r, escalation: { team: 'Control Plane team', policyUrl: 'https://example.invalid/policy?a=1&b=2', why: 'the cause (backend-down) is on Observatorium\'s side' } };
  const html = renderReport(withEscalation, 'html', { secrets: [SECRET] });
  assertSelfContained(html);
  assert.deepEqual(sections(html), ['summary', 'verdict', 'fix', 'escalation', 'steps']);
  for (const c of r.checks) {
    assert.ok(html.includes(`<section class="card s-${c.status}" id="step-${c.id}">`), c.id);
    for (const e of c.evidence) assert.ok(html.includes(esc(e.text)), `${c.id}: evidence "${e.text}"`);
  }
  r.verdicts.forEach((v, i) => {
    const at = html.indexOf(`<li class="verdict" id="verdict-${v.cause}">`);
    assert.ok(at > 0, v.cause);
    assert.ok(i === 0 || at > html.indexOf(`id="verdict-${r.verdicts[i - 1]!.cause}"`), 'in the report\'s order');
    assert.ok(html.includes(`confidence <strong>${v.confidence}</strong>, hop <strong>${v.hop}</strong>`), v.cause);
    for (const b of v.because) assert.ok(html.includes(`<li>${esc(b)}</li>`), `${v.cause}: because ${b}`);
    assert.ok(html.includes(esc(v.fix)), `${v.cause}: fix`);
  });
  assert.ok(html.includes(`<section id="fix"><h2>Fix</h2><p>For the most likely cause, <code>${r.verdicts[0]!.cause}</code>`));
  assert.match(html, /<strong>Escalate to the Control Plane team<\/strong>/);
  assert.ok(html.includes('<a href="https://example.invalid/policy?a=1&amp;b=2">'), 'the policy link, escaped');
  // The hostile line reached the report (as an unmatched error sample) and only in escaped form.
  assert.ok(html.includes('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'), 'the hostile text is shown, escaped');
  assert.ok(!html.includes(SECRET), 'client secret');
  assert.ok(!html.includes(JWT.split('.')[1]!), 'token');
  assert.ok(html.includes('[REDACTED]'));
});

test('html: a configured escalation link that is not http(s) stays inert text', () => {
  const r: DoctorReport = { ...healthy(), status: 'fail', escalation: { team: 'Control Plane team', policyUrl: 'javascript:alert(1)//"><b>', why: 'test' } };
  const html = renderReport(r, 'html');
  assert.ok(!html.includes('<a href="javascript'));
  assert.ok(html.includes('<code>javascript:alert(1)//&quot;&gt;&lt;b&gt;</code>'));
});

test('html: obspath doctor -o html prints the page (the incident snapshot; exit 1)', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/doctor/doctor-cli-main.ts'), 'doctor', '--snapshot', 'test/fixtures/doctor/incident', '-o', 'html'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assertSelfContained(r.stdout);
  assert.deepEqual(sections(r.stdout), ['summary', 'verdict', 'fix', 'escalation', 'steps']);
  assert.match(r.stdout, /<li class="verdict" id="verdict-network-policy-blocks"><h3><code>network-policy-blocks<\/code>/);
  console.log(`doctor -o html, incident snapshot: ${Buffer.byteLength(r.stdout)} bytes`);
});
