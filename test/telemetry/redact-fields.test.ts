// The logger's own redaction (src/telemetry/redact-fields.ts) against pino's `redact` option with the same
// paths: for any fields and child bindings, the same line (but its time), and the caller's objects untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pino from 'pino';
import { createLogger, REDACT_PATHS } from '../../src/telemetry/logger.js';
import { fieldRedactor } from '../../src/telemetry/redact-fields.js';

function sink(): { lines: string[]; write: (s: string) => void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

const KEYS = ['secret', 'clientSecret', 'client_secret', 'password', 'token', 'accessToken', 'access_token', 'authorization',
  'cookie', 'headers', 'req', 'err', 'config', 'path', 'status', 'a'];
const key = fc.constantFrom(...KEYS);
const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
    fc.array(tie('value'), { maxLength: 2 }),
    fc.tuple(fc.string({ maxLength: 8 }), fc.dictionary(key, leaf, { maxKeys: 3, noNullPrototype: true })).map(([m, extra]) => Object.assign(new Error(m), extra)),
  ),
}));
const fields = fc.dictionary(key, value, { maxKeys: 5, noNullPrototype: true });

const withoutTime = (line: string) => line.replace(/,"time":"[^"]*"/, '');

test('for any fields and bindings, the line is the one pino redact writes with the same paths', () => {
  fc.assert(
    fc.property(fields, fields, (f, bindings) => {
      const ours = sink();
      const theirs = sink();
      const log = createLogger({ component: 't', destination: ours as unknown as NodeJS.WritableStream });
      const reference = pino({
        level: 'info', base: { component: 't' }, timestamp: false,
        redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, formatters: { level: (label) => ({ level: label }) },
      }, theirs);
      const before = JSON.stringify([f, bindings]);
      log.info(f, 'm');
      reference.info(f, 'm');
      log.child(bindings).warn(f, 'c');
      reference.child(bindings).warn(f, 'c');
      assert.deepEqual(ours.lines.map(withoutTime), theirs.lines);
      assert.equal(JSON.stringify([f, bindings]), before, "the caller's objects are not changed");
    }),
    { numRuns: 600 },
  );
});

test('cases by hand: top level, one level down, request headers, an error, and nothing to censor', () => {
  const redact = fieldRedactor(REDACT_PATHS, 'X');
  const plain = { method: 'GET', path: '/q', status: 200 };
  assert.equal(redact(plain), plain, 'nothing matches: the same object, no copy');
  assert.deepEqual(redact({ token: 't', a: 1 }), { token: 'X', a: 1 });
  assert.deepEqual(redact({ config: { password: 'p', user: 'u' } }), { config: { password: 'X', user: 'u' } });
  assert.deepEqual(redact({ req: { headers: { cookie: 'c', accept: '*/*' } } }), { req: { headers: { cookie: 'X', accept: '*/*' } } });
  assert.deepEqual(redact({ config: { deeper: { password: 'p' } } }), { config: { deeper: { password: 'p' } } }, 'paths reach two levels down only under req.headers');
  const err = Object.assign(new Error('boom'), { token: 't' });
  const out = redact({ err }).err as Error & { token: string };
  assert.ok(out instanceof Error);
  assert.equal(out.token, 'X');
  assert.equal(out.stack, err.stack);
  assert.equal(err.token, 't');
  assert.deepEqual(redact({ token: undefined }), { token: undefined });
  assert.deepEqual(redact({ list: [{ token: 't' }] }), { list: [{ token: 't' }] }, 'arrays are not entered (nor by pino)');
});
