/**
 * Secrets come from the environment or files, and once resolved they cannot reach a log line, an
 * error or JSON output: not by printing, not by inspection, not by a library echoing them back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { redactError, redactSecrets, resolveSecret, Secret, SecretError, secretRefSchema, toSafeJson } from '../../../src/secrets/index.js';

describe('secrets', () => {
  it('resolves from the environment and from a file (trailing newline dropped)', () => {
    assert.equal(resolveSecret({ env: 'K' }, 'a key', { env: { K: 'env-value-1a' } }).reveal(), 'env-value-1a');
    const dir = mkdtempSync(join(tmpdir(), 'pathmon-secret-'));
    try {
      writeFileSync(join(dir, 'pw'), 'file-value-2b\n');
      assert.equal(resolveSecret({ file: join(dir, 'pw') }, 'a password').reveal(), 'file-value-2b');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the missing variable, the unreadable file or the empty value, never a value', () => {
    assert.throws(
      () => resolveSecret({ env: 'PATHMON_NOPE' }, 'the Freshdesk API key', { env: {} }),
      (e: unknown) => e instanceof SecretError && e.code === 'missing-env' && /PATHMON_NOPE/.test(e.message),
    );
    assert.throws(
      () => resolveSecret({ file: '/nonexistent/pathmon-secret' }, 'x'),
      (e: unknown) => e instanceof SecretError && e.code === 'unreadable-file',
    );
    assert.throws(
      () => resolveSecret({ env: 'E' }, 'x', { env: { E: '' } }),
      (e: unknown) => e instanceof SecretError && e.code === 'empty',
    );
  });

  it('refuses a secret written into the config instead of a reference', () => {
    assert.equal(secretRefSchema.safeParse('hunter2-literal').success, false);
    assert.equal(secretRefSchema.safeParse({ env: 'X', file: '/y' }).success, false);
    assert.equal(secretRefSchema.safeParse({ env: 'not a name' }).success, false);
    assert.equal(secretRefSchema.safeParse({ file: '/run/secrets/fd' }).success, true);
  });

  it('a Secret prints, interpolates, inspects and serialises as its source only', () => {
    const secret = new Secret('s3cr3t-value-Qw', 'env FD_KEY');
    const shown = [String(secret), `${secret}`, inspect(secret), inspect({ nested: { secret } }), JSON.stringify({ secret })].join('\n');
    assert.ok(!shown.includes('s3cr3t-value-Qw'));
    assert.match(shown, /env FD_KEY/);
  });

  it('scrubs every resolved value (and its URL-encoded form) from text, errors and JSON', () => {
    const secret = resolveSecret({ env: 'P' }, 'x', { env: { P: 'pa ss/word-9' } });
    assert.equal(redactSecrets('login failed for pa ss/word-9'), 'login failed for [redacted]');
    assert.equal(redactSecrets(`url has pa%20ss%2Fword-9`), 'url has [redacted]');
    assert.equal(redactError(new TypeError('bad pa ss/word-9')), 'TypeError: bad [redacted]');
    const json = toSafeJson({ password: secret, note: 'echo pa ss/word-9', n: 1 });
    assert.deepEqual(JSON.parse(json), { password: '[secret env P]', note: 'echo [redacted]', n: 1 });
  });

  it('scrubs credentials in URLs even when nobody registered them', () => {
    assert.equal(redactSecrets('cannot reach postgres://pathmon:unregistered-pw@db:5432/pathmon'), 'cannot reach postgres://pathmon:[redacted]@db:5432/pathmon');
  });
});
