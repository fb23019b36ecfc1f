/**
 * Location strings and secrets: which backend a string selects, and that the password never reaches a
 * description or an error, even when the server cannot be reached.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { openStore, parseLocation, StoreError } from '../../../src/store/index.js';
import { scrubbedMessage } from '../../../src/store/store-error.js';

const SECRET = 'Hunter2-s3cret';

describe('parseLocation', () => {
  it('reads pglite:DIR, a bare directory, pglite:memory and postgres URLs', () => {
    assert.deepEqual(parseLocation('pglite:/var/lib/pathmon'), { kind: 'pglite', dataDir: '/var/lib/pathmon', description: 'pglite:/var/lib/pathmon', secrets: [] });
    assert.equal((parseLocation('./data') as { dataDir: string }).dataDir, resolve('./data'));
    assert.equal(parseLocation('pglite:memory').kind, 'pglite');
    assert.equal(parseLocation('postgresql://u@db.example:5433/pm').kind, 'postgres');
  });

  it('keeps the password out of the description, also when given as a parameter', () => {
    const a = parseLocation(`postgres://pathmon:${SECRET}@db.example:5432/pm`);
    assert.equal(a.description, 'postgres://pathmon@db.example:5432/pm');
    const b = parseLocation(`postgres://pathmon@db.example/pm?sslmode=require&password=${SECRET}`);
    assert.ok(!b.description.includes(SECRET), b.description);
    assert.match(b.description, /sslmode=require/);
  });

  it('rejects other schemes and malformed URLs without echoing them', () => {
    assert.throws(
      () => parseLocation(`mysql://root:${SECRET}@h/db`),
      (err: unknown) => err instanceof StoreError && err.code === 'bad-location' && !err.message.includes(SECRET) && /mysql/.test(err.message),
    );
    assert.throws(
      () => parseLocation(`postgres://root:${SECRET}@[bad/db`),
      (err: unknown) => err instanceof StoreError && err.code === 'bad-location' && !err.message.includes(SECRET),
    );
    assert.throws(
      () => parseLocation('  '),
      (err: unknown) => err instanceof StoreError && err.code === 'bad-location',
    );
  });

  it('scrubs the password out of driver messages', () => {
    assert.equal(scrubbedMessage(new Error(`auth failed for ${SECRET}`), [SECRET]), 'auth failed for ***');
  });
});

describe('openStore errors', () => {
  it('names the redacted location and what it expected when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r())); // the port is now closed
    await assert.rejects(openStore(`postgres://pathmon:${SECRET}@127.0.0.1:${port}/pm`, { connectTimeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.code, 'unreachable');
      assert.equal(err.location, `postgres://pathmon@127.0.0.1:${port}/pm`);
      assert.ok(!err.message.includes(SECRET) && !String(err.stack).includes(SECRET));
      assert.match(err.message, /^store\.openStore: .*expected a PostgreSQL server/);
      return true;
    });
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await assert.rejects(openStore('pglite:memory', { schema: 'x; DROP TABLE y' }), (err: unknown) => err instanceof StoreError && err.code === 'bad-value');
  });
});
