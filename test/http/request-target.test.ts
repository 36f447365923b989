// The proxies skip WHATWG URL parsing for "plain" paths; that is only sound if parsing would have left
// those paths unchanged. Checked against the URL parser itself, on chosen and on generated paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isPlainPath } from '../../src/http/request-target.js';

const parsed = (path: string) => {
  const u = new URL(`http://127.0.0.1:9090${path}`);
  return `${u.pathname}${u.search}`;
};

test('plain paths are exactly those URL parsing leaves unchanged, among chosen cases', () => {
  const plain = ['/api/v1/query?query=up%7Bjob%3D%22a%22%7D', '/api/metrics/v1/t/api/v1/query_range?query=rate(x%5B5m%5D)&start=1&end=2&step=30', '//double//slashes/', '/a.b/c.d?x=.y', '/%zz'];
  for (const p of plain) {
    assert.ok(isPlainPath(p), p);
    assert.equal(parsed(p), p, p);
  }
  // Not plain: the parser changes them (dot segments, encoded dots, spaces, quotes, fragments, non-ASCII).
  for (const p of ['/a/../b', '/a/./b', '/a/%2e%2E/b', '/a b', "/q?x='1'", '/a#frag', '/caf\u00e9', '/a"b', '/a\\b', '/x?']) {
    assert.equal(isPlainPath(p), false, p);
  }
});

test('whatever isPlainPath accepts, URL parsing leaves unchanged (generated paths)', () => {
  const chars = fc.constantFrom(...'/abcXYZ019-._~!$&()*+,;=:@%?\'" #<>`{}|^[]\\\u00e9\u2603'.split(''), '%2e', '%2E', '/..', '/.');
  fc.assert(fc.property(fc.array(chars, { maxLength: 24 }), (parts) => {
    const path = `/${parts.join('')}`;
    if (isPlainPath(path)) assert.equal(parsed(path), path);
  }), { numRuns: 5000 });
});
