// Two faults at once on the running stack, each leaving evidence of its own: the doctor names the first along
// the path from the fleet manager as the top verdict and the other one as "also", with the fact that proves it.
// Faults come from `obspath up --fault` and from freezing a component by hand (SIGSTOP). Run times are printed.
// A healthy stack, diagnosed again and again, gives no verdict at all.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localDoctorOptions } from '../../src/doctor/local/options.js';
import { renderReport } from '../../src/doctor/render.js';
import type { DoctorReport } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/run.js';
import { withFaultStack } from '../../tools/testing/fault-stack.js';

interface Combo {
  name: string;
  faults: string[];
  /** A component frozen with SIGSTOP once the stack runs. */
  freeze?: string;
  top: { cause: string; evidence: RegExp };
  also: { cause: string; evidence: RegExp };
}

const COMBOS: Combo[] = [
  {
    name: 'refresher-blackholed + backend-down', faults: ['refresher-blackholed', 'backend-down'],
    top: { cause: 'network-policy-blocks', evidence: /accepts connections but its HTTP server never answers/ },
    also: { cause: 'backend-down', evidence: /the API's backend fails: 502 upstream_unreachable/ },
  },
  {
    // No token: the doctor's own queries never reach the API; the API's counters show the backend failing others.
    name: 'wrong-client-secret + backend-down', faults: ['wrong-client-secret', 'backend-down'],
    top: { cause: 'invalid-client-credentials', evidence: /grant with the refresher's credentials failed: invalid_client/ },
    also: { cause: 'backend-down', evidence: /the API counts \d+ requests failing at its backend .*reason="backend"/ },
  },
  {
    name: 'SIGSTOP token-refresher + backend-down', faults: ['backend-down'], freeze: 'token-refresher',
    top: { cause: 'refresher-unreachable', evidence: /never answers.*the process hangs|does not answer/ },
    also: { cause: 'backend-down', evidence: /direct: the API's backend fails: 502 upstream_unreachable/ },
  },
  {
    // A frozen store: the API's 3 s deadline turns the doctor's query through the refresher's own address into a 504.
    name: 'refresher-blackholed + SIGSTOP store', faults: ['refresher-blackholed'], freeze: 'store',
    top: { cause: 'network-policy-blocks', evidence: /accepts connections but its HTTP server never answers/ },
    also: { cause: 'backend-down', evidence: /the API's backend fails: 504 upstream_timeout|the API counts \d+ requests failing at its backend/ },
  },
];

const timings: { name: string; ms: number; got: string }[] = [];

function summary(r: DoctorReport): string {
  return [...r.checks.map((c) => `${c.step} ${c.status}: ${c.summary}`), ...r.verdicts.map((v) => `verdict ${v.role} ${v.cause} (${v.confidence}): ${v.because.join(' | ')}`)].join('\n');
}

after(() => {
  process.stdout.write(`doctor on two faults (in-process, --env local):\n${timings.map((t) => `  ${t.name.padEnd(40)} ${String(t.ms).padStart(6)} ms  ${t.got}`).join('\n')}\n`);
});

/** Healthy runs in a row: none may name a verdict or warn (a false alarm costs an SRE's night). */
const HEALTHY_RUNS = 10;

describe('doctor --env local, two faults at once', { concurrency: 2 }, () => {
  it(`a healthy stack: ${HEALTHY_RUNS} runs, 500 ms apart, no verdict and no warning`, async () => {
    await withFaultStack([], async ({ dataDir }) => {
      for (let i = 1; i <= HEALTHY_RUNS; i++) {
        const t0 = performance.now();
        const r = await runDoctor(await localDoctorOptions({ dataDir }));
        timings.push({ name: `healthy #${i}`, ms: Math.round(performance.now() - t0), got: r.verdicts.map((v) => v.cause).join(', ') || 'no verdict' });
        assert.deepEqual(r.verdicts, [], summary(r));
        assert.ok(r.checks.every((c) => c.status === 'ok'), summary(r));
        await new Promise((res) => setTimeout(res, 500));
      }
    });
  });

  for (const combo of COMBOS) {
    it(`${combo.name}: top ${combo.top.cause}, also ${combo.also.cause}`, async () => {
      await withFaultStack(combo.faults, async ({ dataDir, freeze }) => {
        if (combo.freeze) {
          freeze(combo.freeze);
          // Let the frozen component's absence show: the probe (every 2 s) and the data plane keep writing meanwhile,
          // and the API gives up on a frozen store after its 3 s deadline.
          await new Promise((r) => setTimeout(r, 6000));
        }
        const t0 = performance.now();
        const r = await runDoctor(await localDoctorOptions({ dataDir }));
        const ms = Math.round(performance.now() - t0);
        const named = r.verdicts.filter((v) => v.role !== 'explained');
        timings.push({ name: combo.name, ms, got: named.map((v) => `${v.role} ${v.cause} (${v.confidence})`).join(', ') });
        const why = summary(r);
        const [top, ...also] = named;
        assert.equal(top?.cause, combo.top.cause, why);
        assert.equal(top.role, 'top');
        assert.match(top.because.join('\n'), combo.top.evidence, why);
        const second = also.find((v) => v.cause === combo.also.cause);
        assert.ok(second, `${combo.also.cause} is named too\n${why}`);
        assert.equal(second.role, 'also');
        assert.match(second.because.join('\n'), combo.also.evidence, why);
        assert.ok(ms < 12_000, `${combo.name}: ${ms} ms`);
        const human = renderReport(r, 'human');
        assert.match(human, new RegExp(`\\n  1\\. ${combo.top.cause} \\(`));
        assert.match(human, new RegExp(`\\n  also: ${combo.also.cause} \\(`));
        assert.match(renderReport(r, 'markdown'), new RegExp(`\\d\\. Also: \\*\\*${combo.also.cause}\\*\\*`));
      });
    });
  }
});
