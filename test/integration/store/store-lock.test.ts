/**
 * One process per PGlite data directory, with real PGlite and real processes: a second open for write
 * is refused with the holder's pid (in this process and from another one), a holder killed with
 * SIGKILL leaves a stale lock that the next open takes over, and `pathmon report` still reads the
 * directory while a writer holds it (from a snapshot copy), seeing what the writer committed.
 * Before the lock, both opens succeeded and wrote over each other.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { reportCommand } from '../../../src/commands/report-command.js';
import { openStore, StoreError, STORE_LOCK_FILE } from '../../../src/store/index.js';
import { MINUTE_MS, T0, pathRecord, round } from './store-fixtures.js';

const storeModule = fileURLToPath(new URL('../../../src/store/index.js', import.meta.url));

/** A child process that opens `dir` for write, stores one path and round, says "ready" and holds it. */
function holdingChild(dir: string): Promise<ChildProcess> {
  const fixtures = fileURLToPath(new URL('./store-fixtures.js', import.meta.url));
  const script = `
    import { openStore } from ${JSON.stringify(storeModule)};
    import { T0, pathRecord, round } from ${JSON.stringify(fixtures)};
    const store = await openStore(${JSON.stringify(`pglite:${dir}`)});
    await store.upsertPaths([pathRecord('held-path')]);
    await store.insertResults([round('held-path', T0)]);
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`holding child exited with ${code} before it was ready`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const inUseBy = (pid: number) => (err: unknown) =>
  err instanceof StoreError && err.code === 'in-use' && err.message.includes(`in use by pid ${pid} `) && /one process per data directory/.test(err.message);

describe('one writer per PGlite directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'pathmon-store-lock-'));
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) await killed(child);
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a second open for write in the same process, and allows it after close', async () => {
    const dir = join(root, 'same-process');
    const first = await openStore(`pglite:${dir}`);
    try {
      await assert.rejects(openStore(`pglite:${dir}`), inUseBy(process.pid));
    } finally {
      await first.close();
    }
    assert.equal(existsSync(join(dir, STORE_LOCK_FILE)), false, 'close releases the lock');
    await (await openStore(`pglite:${dir}`)).close();
  });

  it('refuses a second process, reads its data from a snapshot meanwhile, and takes over after kill -9', async () => {
    const dir = join(root, 'db');
    const child = await holdingChild(dir);
    children.push(child);
    await assert.rejects(openStore(`pglite:${dir}`), inUseBy(child.pid!));

    // A read-only command still works while the writer holds the directory.
    let text = '';
    const out = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    });
    assert.equal(await reportCommand({ db: `pglite:${dir}`, dataDir: root, since: '1h', json: true }, out, T0 + MINUTE_MS), 0);
    const report = JSON.parse(text) as { paths: { id: string; rounds: number }[] };
    assert.deepEqual(
      report.paths.map((p) => [p.id, p.rounds]),
      [['held-path', 1]],
    );
    assert.ok(!readdirSync(tmpdir()).some((name) => name.startsWith(`pathmon-snapshot-${process.pid}-`)), 'the snapshot is removed on close');

    await killed(child);
    assert.ok(existsSync(join(dir, STORE_LOCK_FILE)), 'kill -9 leaves the lock behind');
    const store = await openStore(`pglite:${dir}`);
    try {
      await store.upsertPaths([pathRecord('after-takeover')]);
      await store.insertResults([round('after-takeover', T0)]);
      assert.deepEqual((await store.paths()).map((p) => p.id).sort(), ['after-takeover', 'held-path']);
    } finally {
      await store.close();
    }
  });
});
