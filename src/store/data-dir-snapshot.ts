/**
 * A private copy of a PGlite data directory that another process (a running `pathmon run`) is writing,
 * for read-only commands. Opening the live directory itself is not an option: PGlite is a single-user
 * PostgreSQL, and a second instance on the same files corrupts them.
 *
 * The copy is made the way PostgreSQL's online base backup is, so that opening it is an ordinary crash
 * recovery that ends in a consistent state:
 *  1. `global/pg_control` first: the checkpoint it names, where WAL replay starts, is then no later than
 *     the start of the copy;
 *  2. every other file but the WAL, in any order: each may be anywhere between that checkpoint and the
 *     end of the copy, which replay repairs because a page never reaches disk before its WAL record;
 *  3. `pg_wal` last, so it holds the record of every page change copied in step 2.
 * PostgreSQL relies on full-page images to repair a page torn by a concurrent write; instead of trusting
 * that, each block is read until two consecutive reads agree, so no torn page enters the copy. A checkpoint completing during the copy may recycle the WAL segment replay
 * must start from; opening then fails, and the caller takes a fresh snapshot.
 *
 * Staleness: the copy holds every transaction the writer committed before `pg_wal` was copied (PGlite
 * writes WAL to the file at commit), so it lags by the copy's duration (tens of milliseconds for the
 * 40 MB of a new store, about a second per few hundred MB) plus whatever the monitor's result writer
 * still batches in memory. It lives in the system temp directory (TMPDIR) and is removed on close.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { STORE_LOCK_FILE } from './store-lock.js';
import { StoreError } from './store-error.js';

export interface DataDirSnapshot {
  readonly dir: string;
  /** Deletes the copy. Idempotent. */
  remove(): void;
}

/** Entries at the top of a data directory that belong to the running instance, not the database. */
const SKIPPED_TOP = new Set(['postmaster.pid', 'postmaster.opts']);
const CONTROL_FILE = join('global', 'pg_control');
const WAL_DIR = 'pg_wal';
/** A multiple of PostgreSQL's 8 kB page, so a page never straddles two separately checked reads. */
const BLOCK_BYTES = 64 * 1024;
const READ_ATTEMPTS = 50;

/** Copies `source` (a live PGlite data directory) into a new temp directory; see the opening comment. */
export function snapshotDataDir(source: string, description: string): DataDirSnapshot {
  removeOrphanedSnapshots();
  let target: string;
  try {
    target = mkdtempSync(join(tmpdir(), `${SNAPSHOT_PREFIX}${process.pid}-`));
  } catch (err) {
    throw new StoreError(
      'bad-data-dir',
      description,
      `store.openStore: cannot make a snapshot directory in ${tmpdir()} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a writable TMPDIR to copy ${description} into`,
    );
  }
  let removed = false;
  const snapshot: DataDirSnapshot = {
    dir: target,
    remove() {
      if (removed) return;
      removed = true;
      live.delete(snapshot);
      rmSync(target, { recursive: true, force: true });
    },
  };
  live.add(snapshot);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A command that dies of an exception still removes its copies; kill -9 leaves them to the sweep.
    process.on('exit', () => {
      for (const each of [...live]) each.remove();
    });
  }
  try {
    const files = listFiles(source, '');
    const control = files.filter((f) => f === CONTROL_FILE);
    const rest = files.filter((f) => f !== CONTROL_FILE && !f.startsWith(`${WAL_DIR}/`));
    for (const dir of listDirectories(source, '')) mkdirSync(join(target, dir), { recursive: true });
    mkdirSync(join(target, WAL_DIR), { recursive: true });
    for (const file of [...control, ...rest]) copyStable(source, target, file);
    // List the WAL again: segments may have been added (or recycled) while the rest was copied.
    for (const file of listFiles(source, WAL_DIR)) copyStable(source, target, file);
    return snapshot;
  } catch (err) {
    snapshot.remove();
    if (err instanceof StoreError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new StoreError(
      'query-failed',
      description,
      `store.openStore: cannot copy ${description} into ${target} (${code ?? (err as Error).message}); expected ${code === 'ENOSPC' ? 'room in TMPDIR for a copy of the database' : 'a readable data directory whose files hold still long enough to copy'}`,
    );
  }
}

const SNAPSHOT_PREFIX = 'pathmon-snapshot-';
const live = new Set<DataDirSnapshot>();
let exitHookInstalled = false;

/** Removes snapshots left in TMPDIR by processes that no longer run (killed before their close). */
function removeOrphanedSnapshots(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^pathmon-snapshot-(\d+)-/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processRuns(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Relative paths of the regular files under `root/sub`, skipping the instance's own files and the lock. */
function listFiles(root: string, sub: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(join(root, sub), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out; // removed while we walked
    throw err;
  }
  for (const entry of entries) {
    const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
    if (sub === '' && (SKIPPED_TOP.has(entry.name) || entry.name.startsWith(STORE_LOCK_FILE))) continue;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** Relative paths of every directory under `root`: PostgreSQL wants its empty ones (pg_notify, …) too. */
function listDirectories(root: string, sub: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, sub), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
    out.push(rel, ...listDirectories(root, rel));
  }
  return out;
}

/**
 * Copies one file block by block, each block read until two consecutive reads agree, so no block in the
 * copy is torn by a concurrent write (blocks may come from different moments: WAL replay evens that out).
 * A file that vanished meanwhile (a temp file, a recycled WAL segment) is skipped; blocks appended after
 * the size was read are left to replay.
 */
function copyStable(root: string, target: string, rel: string): void {
  const from = join(root, rel);
  const to = join(target, rel);
  mkdirSync(dirname(to), { recursive: true });
  let source: number;
  try {
    source = openSync(from, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const copy = openSync(to, 'w');
  try {
    const first = Buffer.allocUnsafe(BLOCK_BYTES);
    const second = Buffer.allocUnsafe(BLOCK_BYTES);
    for (let position = 0; ; position += BLOCK_BYTES) {
      let length = readSync(source, first, 0, BLOCK_BYTES, position);
      for (let attempt = 1; ; attempt += 1) {
        const again = readSync(source, second, 0, BLOCK_BYTES, position);
        if (again === length && first.subarray(0, length).equals(second.subarray(0, again))) break;
        if (attempt >= READ_ATTEMPTS) throw new Error(`${from} kept changing at byte ${position} over ${attempt} reads`);
        second.copy(first, 0, 0, again);
        length = again;
      }
      if (length === 0) return;
      writeSync(copy, first, 0, length, position);
      if (length < BLOCK_BYTES) return;
    }
  } finally {
    closeSync(source);
    closeSync(copy);
  }
}
