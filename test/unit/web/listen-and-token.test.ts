import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bearerMatcher, checkedToken } from '../../../src/web/bearer-token.js';
import { isLoopbackHost, parseListen } from '../../../src/web/listen-address.js';
import { WebError } from '../../../src/web/web-error.js';

describe('--listen parsing', () => {
  it('reads host:port, [v6]:port and a bare port (loopback)', () => {
    assert.deepEqual(parseListen('0.0.0.0:9470'), { host: '0.0.0.0', port: 9470 });
    assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
    assert.deepEqual(parseListen('8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListen(':0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListen('monitor.example:9470'), { host: 'monitor.example', port: 9470 });
  });

  it('rejects what is not an address with a WebError', () => {
    for (const bad of ['', 'host', '1.2.3.4:99999', '::1:80', 'a b:80', '1.2.3.4:-1', '[::1]']) {
      assert.throws(
        () => parseListen(bad),
        (error: unknown) => error instanceof WebError && error.code === 'bad-listen',
        bad,
      );
    }
  });

  it('counts only 127/8, ::1 and localhost as loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
  });
});

describe('bearer token', () => {
  const token = 'abcdefghijklmnop0123';
  const matches = bearerMatcher(token);

  it('accepts exactly "Bearer TOKEN"', () => {
    assert.equal(matches(`Bearer ${token}`), true);
    assert.equal(matches(`bearer ${token}`), true);
  });

  it('refuses a missing, wrong, prefixed or extended token', () => {
    for (const header of [undefined, '', 'Bearer', `Basic ${token}`, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Bearer  x ${token}`, token]) {
      assert.equal(matches(header), false, String(header));
    }
  });

  it('refuses short tokens without echoing them', () => {
    assert.throws(
      () => checkedToken('short-secret'),
      (error: unknown) => error instanceof WebError && error.code === 'weak-token' && !error.message.includes('short-secret'),
    );
    assert.equal(checkedToken(token), token);
  });
});
