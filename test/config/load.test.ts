import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, resolveConfig } from '../../src/config/load.js';
import { durationMs, formatDuration, parseDuration } from '../../src/config/duration.js';
import { tempDir } from '../../tools/testing/net.js';

const schema = z.object({ url: z.string().url(), timeout: durationMs.default(5000), name: z.string().min(1, 'is required') });
const fields = { url: { flag: '--url', env: ['URL_A', 'URL_B'] }, timeout: { flag: '--timeout', env: ['TIMEOUT'] }, name: { flag: '--name', env: ['NAME'] } };

test('flags beat env, env beats file, file beats defaults', async () => {
  const dir = await tempDir();
  const file = join(dir.path, 'c.yaml');
  writeFileSync(file, 'url: http://file\ntimeout: 1m\nname: from-file\n');
  const c1 = resolveConfig(schema, { fields, flags: {}, env: {}, file });
  assert.deepEqual(c1, { url: 'http://file', timeout: 60_000, name: 'from-file' });
  const c2 = resolveConfig(schema, { fields, flags: {}, env: { URL_B: 'http://env-b', NAME: 'env' }, file });
  assert.equal(c2.url, 'http://env-b');
  assert.equal(c2.name, 'env');
  const c3 = resolveConfig(schema, { fields, flags: { url: 'http://flag', timeout: '250ms' }, env: { URL_A: 'http://env-a' }, file });
  assert.equal(c3.url, 'http://flag');
  assert.equal(c3.timeout, 250);
  const c4 = resolveConfig(schema, { fields, flags: { name: 'x', url: 'http://a' }, env: {} });
  assert.equal(c4.timeout, 5000);
  await dir.cleanup();
});

test('errors name the field and where its value came from', async () => {
  const dir = await tempDir();
  const file = join(dir.path, 'c.yaml');
  writeFileSync(file, 'timeout: soon\nbogus: 1\n');
  try {
    resolveConfig(schema, { fields, flags: {}, env: { URL_A: 'not a url' }, file, context: 'test config' });
    assert.fail('expected ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const msg = err.message;
    assert.match(msg, /invalid test config/);
    assert.match(msg, /bogus \(file .*c\.yaml\): unknown field/);
    assert.match(msg, /--url \(env URL_A\)/);
    assert.match(msg, /--timeout \(file .*\): invalid duration "soon"/);
    assert.match(msg, /--name \(not set: use --name or env NAME\): /);
  }
  await dir.cleanup();
});

test('durations parse the Go way', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('0'), 0);
  assert.throws(() => parseDuration('5'), /invalid duration/);
  assert.throws(() => parseDuration('5 s'), /invalid duration/);
  assert.throws(() => parseDuration(''), /invalid duration/);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(250), '250ms');
});
