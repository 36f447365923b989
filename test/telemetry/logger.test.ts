import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/telemetry/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, destination };
}

test('secret fields are redacted and secret values scrubbed wherever they appear', async () => {
  const secret = 'sup3r-s3cret-"value"';
  const { lines, destination } = capture();
  const log = createLogger({ component: 't', destination, secrets: [secret] });
  log.info({ clientSecret: secret }, 'field');
  log.info({ config: { clientSecret: secret, password: 'pw-12345' } }, 'nested');
  log.info({ req: { headers: { authorization: 'Bearer abc.def.ghi' } } }, 'auth header');
  log.error(`message with ${secret} inside`);
  log.error({ err: new Error(`token request failed for ${secret}`) }, 'error object');
  log.warn({ token: 'eyJhbGciOi.payload.sig' }, 'token field');
  await new Promise((r) => setImmediate(r));
  const all = lines.join('');
  assert.equal(lines.length, 6);
  assert.ok(!all.includes('sup3r-s3cret'), all);
  assert.ok(!all.includes('pw-12345'));
  assert.ok(!all.includes('abc.def.ghi'));
  assert.ok(!all.includes('eyJhbGciOi.payload.sig'));
  assert.ok(all.includes('[REDACTED]'));
  for (const l of lines) assert.equal(JSON.parse(l).component, 't');
});

test('an unknown log level is refused with the valid ones named', () => {
  assert.throws(() => createLogger({ component: 't', level: 'verbose' }), /invalid log level "verbose".*debug/);
});
