// `obspath probe` as a process against Debian's Prometheus directly (remote-write receiver on): a
// one-shot --duration run with threshold 1 passes, and its /metrics show up's series while it runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, waitUntil } from '../../tools/testing/net.js';
import { startObspath, startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { metricValue } from '../../tools/testing/stack.js';

let prom: Backend;

before(async () => {
  prom = await startPrometheus();
});

after(async () => {
  await prom?.stop();
});

test('--duration 5s --period 500ms --threshold 1 against Prometheus exits 0; metrics show successes and value ages', async () => {
  const port = await freePort();
  const proc = startObspath([
    'probe', '--endpoint-write', `${prom.url}/api/v1/write`, '--endpoint-read', prom.url,
    '--duration', '5s', '--period', '500ms', '--initial-query-delay', '1s', '--latency', '3s', '--threshold', '1',
    '--labels', 'job="probe-test",instance="ci"', '--listen', `127.0.0.1:${port}`,
  ]);
  const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
  try {
    let text = '';
    // Read the metrics while it runs: the process ends with the run.
    await waitUntil(async () => {
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return (metricValue(text, 'up_metric_value_difference_count') ?? 0) >= 3;
    }, 10_000, `value differences observed\n${proc.output()}`);
    assert.ok((metricValue(text, 'up_remote_writes_total{result="success",http_code="204"}') ?? 0) >= 3, text);
    assert.ok((metricValue(text, 'up_queries_total{result="success",http_code="200"}') ?? 0) >= 6, text);
    assert.doesNotMatch(text, /up_probe_failures_total\{/);
    assert.equal(metricValue(text, 'up_probe_success'), 1);
    assert.ok((metricValue(text, 'up_probe_last_success_timestamp_seconds') ?? 0) > Date.now() / 1000 - 10);
    // Ages are at least the query delay (reads evaluate at now - 1s) and within --latency.
    const sum = metricValue(text, 'up_metric_value_difference_sum')!;
    const count = metricValue(text, 'up_metric_value_difference_count')!;
    assert.ok(sum / count >= 1 && sum / count <= 3, `mean age ${sum / count}s`);
    assert.ok((metricValue(text, 'up_remote_writes_duration_seconds_count') ?? 0) >= 3);
    assert.ok((metricValue(text, 'up_queries_duration_seconds_count') ?? 0) >= 6);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    assert.equal(ready.status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${port}/live`)).status, 200);
    assert.equal(await exited, 0, proc.output());
  } finally {
    await proc.stop();
  }
  const verdict = proc.output().split('\n').find((l) => l.includes('"probe passed'));
  assert.match(verdict ?? '', /writes 10\/10 \(100\.0%\), reads \d+\/\d+ \(100\.0%\)/, proc.output());
  // The written series is in Prometheus with the labels given and a value equal to its timestamp.
  const res = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('obspath_probe{job="probe-test",instance="ci"}[1m]')}`)).json()) as any;
  const values = res.data.result[0].values as Array<[number, string]>;
  assert.equal(values.length, 10);
  for (const [t, v] of values) assert.equal(Number(v), Math.round(t * 1000));
});

test('SIGTERM: a long-running probe (--duration 0) exits 0; a --duration run stopped early is judged on what it saw', async () => {
  const [a, b] = [await freePort(), await freePort()];
  const common = ['probe', '--endpoint-write', `${prom.url}/api/v1/write`, '--endpoint-read', prom.url, '--period', '200ms', '--initial-query-delay', '200ms', '--latency', '2s', '--labels', 'test="sigterm"'];
  const daemon = startObspath([...common, '--labels', 'run="daemon"', '--listen', `127.0.0.1:${a}`]);
  const oneShot = startObspath([...common, '--labels', 'run="one-shot"', '--duration', '1m', '--threshold', '1', '--listen', `127.0.0.1:${b}`]);
  const exitOf = (p: typeof daemon) => new Promise<number | null>((resolve) => p.child.once('exit', (c) => resolve(c)));
  const [daemonExit, oneShotExit] = [exitOf(daemon), exitOf(oneShot)];
  try {
    for (const port of [a, b]) {
      await waitUntil(async () => metricValue(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), 'up_probe_success') === 1, 10_000, `probe on ${port} succeeding`);
    }
    daemon.child.kill('SIGTERM');
    oneShot.child.kill('SIGTERM');
    assert.equal(await daemonExit, 0, daemon.output());
    assert.equal(await oneShotExit, 0, oneShot.output());
    assert.match(oneShot.output(), /probe passed \(stopped early\): writes \d+\/\d+ \(100\.0%\)/);
  } finally {
    await Promise.all([daemon.stop(), oneShot.stop()]);
  }
});
