/**
 * The data-directory lock without PGlite: one holder at a time, the holder's pid in the refusal, stale
 * locks (a dead process, or a recycled pid with another start time) taken over, and release removing
 * only its own lock.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../../../src/store/index.js';
import { acquireStoreLock, STORE_LOCK_FILE, type StoreLockHolder } from '../../../src/store/store-lock.js';

function lockContent(holder: Partial<StoreLockHolder>): string {
  return JSON.stringify({ pid: 1, startTicks: 1, host: hostname(), mode: 'write', command: 'pathmon run', acquiredAtMs: 0, nonce: 'n', ...holder });
}

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('store lock', () => {
  const root = mkdtempSync(join(tmpdir(), 'pathmon-lock-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const opts = { mode: 'write' as const, description: 'pglite:test' };

  it("refuses a second holder, naming the first one's pid, until released", async () => {
    const lock = await acquireStoreLock(root, opts);
    await assert.rejects(acquireStoreLock(root, opts), (err: unknown) => err instanceof StoreError && err.code === 'in-use' && err.message.includes(`in use by pid ${process.pid} (this process`));
    lock.release();
    assert.equal(existsSync(join(root, STORE_LOCK_FILE)), false);
    (await acquireStoreLock(root, opts)).release();
  });

  it('takes over the lock of a process that is gone', async () => {
    writeFileSync(join(root, STORE_LOCK_FILE), lockContent({ pid: deadPid() }));
    const lock = await acquireStoreLock(root, opts);
    assert.equal(JSON.parse(readFileSync(join(root, STORE_LOCK_FILE), 'utf8')).pid, process.pid);
    lock.release();
  });

  it('takes over a lock whose pid was recycled (same pid, other start time)', async () => {
    writeFileSync(join(root, STORE_LOCK_FILE), lockContent({ pid: process.pid, startTicks: -5 }));
    (await acquireStoreLock(root, opts)).release();
  });

  it('counts a lock written on another host as held', async () => {
    writeFileSync(join(root, STORE_LOCK_FILE), lockContent({ pid: deadPid(), host: 'elsewhere.example' }));
    await assert.rejects(acquireStoreLock(root, opts), (err: unknown) => err instanceof StoreError && err.code === 'in-use' && /on host elsewhere\.example/.test(err.message));
    rmSync(join(root, STORE_LOCK_FILE));
  });

  it('lets a writer wait for a reader, and release never removes a lock taken over by another', async () => {
    const reader = await acquireStoreLock(root, { mode: 'read', description: 'pglite:test' });
    const writer = acquireStoreLock(root, { ...opts, pollMs: 5 });
    setTimeout(() => reader.release(), 30);
    const lock = await writer;
    reader.release();
    assert.equal(JSON.parse(readFileSync(join(root, STORE_LOCK_FILE), 'utf8')).nonce, lock.holder.nonce);
    lock.release();
  });
});
