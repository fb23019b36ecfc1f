/**
 * Paths that cannot be a PGlite data directory fail at once with StoreError 'bad-data-dir' naming the
 * path, before PGlite (or Node's recursive mkdir, which spins forever under /proc) touches them; the
 * read-only mode never creates anything. Every case here hung or created a database before.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, StoreError } from '../../../src/store/index.js';
import { checkDataDirForRead, makeDirectory, prepareDataDirForWrite } from '../../../src/store/data-dir.js';

const isBadDataDir = (pattern: RegExp) => (err: unknown) => err instanceof StoreError && err.code === 'bad-data-dir' && pattern.test(err.message);

describe('data directory checks', () => {
  const root = mkdtempSync(join(tmpdir(), 'pathmon-datadir-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const file = join(root, 'a-file');
  writeFileSync(file, 'not a directory');
  const dangling = join(root, 'dangling');
  symlinkSync(join(root, 'no-such-target'), dangling);

  it('refuses a place under /proc or /sys without looping (write mode)', () => {
    assert.throws(() => makeDirectory('/proc/nope/db', 'pglite:/proc/nope/db'), isBadDataDir(/\/proc is on procfs/));
    assert.throws(() => prepareDataDirForWrite('/sys/kernel/pathmon', 'pglite:/sys/kernel/pathmon'), isBadDataDir(/sysfs/));
  });

  it('names a regular file or a dangling symlink in the way', () => {
    assert.throws(() => makeDirectory(join(file, 'db'), 'x'), isBadDataDir(/a-file is a regular file; expected a directory/));
    assert.throws(() => makeDirectory(file, 'x'), isBadDataDir(/a-file is a regular file/));
    assert.throws(() => makeDirectory(join(dangling, 'db'), 'x'), isBadDataDir(/dangling is a symbolic link to a target that does not exist/));
    assert.throws(() => checkDataDirForRead(join(file, 'db'), 'x'), isBadDataDir(/a-file is a regular file/));
  });

  it('creates missing parents one by one where that is possible', () => {
    const deep = join(root, 'a', 'b', 'c');
    makeDirectory(deep, 'x');
    assert.ok(existsSync(deep));
  });

  it('refuses to fill a directory that holds other files but no database', () => {
    const other = join(root, 'someone-elses');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'x');
    assert.throws(() => prepareDataDirForWrite(other, 'x'), isBadDataDir(/holds other files \(notes\.txt\) but no PGlite database/));
  });

  it('read mode wants an existing PGlite directory and creates nothing', async () => {
    const missing = join(root, 'missing', 'db');
    await assert.rejects(openStore(`pglite:${missing}`, { mode: 'read' }), isBadDataDir(/does not exist; expected a PGlite data directory/));
    assert.equal(existsSync(join(root, 'missing')), false);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await assert.rejects(openStore(`pglite:${empty}`, { mode: 'read' }), isBadDataDir(/is not a PGlite data directory/));
    assert.deepEqual(readdirSync(empty), []);
    await assert.rejects(openStore('pglite:/proc/nope', { mode: 'read' }), isBadDataDir(/\/proc\/nope does not exist/));
  });

  it('write mode fails fast on /proc/nope, a file and a dangling link', async () => {
    await assert.rejects(openStore('pglite:/proc/nope/db'), isBadDataDir(/procfs/));
    await assert.rejects(openStore(`pglite:${join(file, 'db')}`), isBadDataDir(/regular file/));
    await assert.rejects(openStore(`pglite:${join(dangling, 'db')}`), isBadDataDir(/symbolic link/));
  });
});
