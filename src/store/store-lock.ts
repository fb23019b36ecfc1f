/**
 * One process per PGlite data directory. PGlite is PostgreSQL in single-user mode inside this process:
 * two processes on one directory each believe they own every page and WAL segment, and write over each
 * other (two monitors on one directory lost ~45 of 96 rounds, both exiting 0). PGlite's own
 * `postmaster.pid` does not help: it always says pid -42.
 *
 * Node has no flock(), so the lock is a pid file, `DIR/pathmon.lock`, made so that it cannot lie:
 *  - It is taken atomically: the content (pid, the process's start time, host, mode, command line, a
 *    random nonce) is written to a private temp file first, then hard-linked to the lock name. link()
 *    fails with EEXIST if the lock exists, so exactly one process wins and nobody ever reads a
 *    half-written lock.
 *  - Liveness is the recorded pid *and* its start time (field 22 of /proc/PID/stat), so a pid the kernel
 *    recycled for another program is not mistaken for the holder. Where /proc is missing, kill(pid, 0).
 *  - A lock written on another host (a shared filesystem) cannot be judged and counts as held.
 *  - A stale lock (its process is gone, e.g. after kill -9) is taken over: renamed aside (rename is
 *    atomic, so of two processes taking over only one moves it), checked to be the very file judged
 *    stale (the nonce) and removed; had a third process replaced it meanwhile, it is put back.
 *  - Released by close(), and on a normal process exit; after kill -9 it is stale and the next process
 *    takes it over.
 * A holder in mode 'read' (a report opened the directory in place for a few seconds) is waited for by a
 * writer, briefly, rather than refused, so `pathmon run` starting during a report still starts.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from './store-error.js';

/** The lock file's name inside the data directory (PostgreSQL ignores unknown files there). */
export const STORE_LOCK_FILE = 'pathmon.lock';

export type StoreLockMode = 'write' | 'read';

/** What a lock file records about its holder. */
export interface StoreLockHolder {
  pid: number;
  /** /proc/PID/stat starttime (clock ticks since boot), or null where /proc is missing. */
  startTicks: number | null;
  host: string;
  mode: StoreLockMode;
  command: string;
  acquiredAtMs: number;
  nonce: string;
}

export interface StoreLock {
  readonly path: string;
  readonly holder: StoreLockHolder;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

export interface AcquireStoreLockOptions {
  mode: StoreLockMode;
  /** The redacted location, for messages. */
  description: string;
  /** How long a writer waits for a read-mode holder to finish. Default 15 s. */
  waitForReaderMs?: number;
  /** Poll interval while waiting. Default 100 ms. */
  pollMs?: number;
}

const held = new Set<StoreLock>();
let exitHookInstalled = false;

/** Start time of `pid` in clock ticks since boot, null when /proc cannot say, undefined when no such process. */
function processStartTicks(pid: number): number | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return procAvailable() ? undefined : null;
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces and ')', so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : null;
}

let procChecked: boolean | null = null;
function procAvailable(): boolean {
  if (procChecked === null) {
    try {
      readFileSync(`/proc/${process.pid}/stat`);
      procChecked = true;
    } catch {
      procChecked = false;
    }
  }
  return procChecked;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process that wrote `holder` still runs (true when that cannot be judged). */
export function holderIsAlive(holder: StoreLockHolder): boolean {
  if (holder.host !== hostname()) return true;
  const ticks = processStartTicks(holder.pid);
  if (ticks === undefined) return false;
  if (ticks !== null && holder.startTicks !== null) return ticks === holder.startTicks;
  return processExists(holder.pid);
}

function parseHolder(text: string): StoreLockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<StoreLockHolder>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return null;
    return {
      pid: value.pid,
      startTicks: typeof value.startTicks === 'number' ? value.startTicks : null,
      host: typeof value.host === 'string' ? value.host : hostname(),
      mode: value.mode === 'read' ? 'read' : 'write',
      command: typeof value.command === 'string' ? value.command : '',
      acquiredAtMs: typeof value.acquiredAtMs === 'number' ? value.acquiredAtMs : 0,
      nonce: typeof value.nonce === 'string' ? value.nonce : '',
    };
  } catch {
    return null;
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The live holder of `dir`'s lock, or null when there is none (or only a stale one). */
export function liveStoreLockHolder(dir: string): StoreLockHolder | null {
  const text = readOrNull(join(dir, STORE_LOCK_FILE));
  if (text === null) return null;
  const holder = parseHolder(text);
  return holder !== null && holderIsAlive(holder) ? holder : null;
}

/** "pid 1234 (pathmon run --config x.yaml)", with "this process" and the host where they help. */
export function describeHolder(holder: StoreLockHolder): string {
  const parts = [holder.pid === process.pid && holder.host === hostname() ? 'this process' : '', holder.host !== hostname() ? `on host ${holder.host}` : '', holder.command].filter(Boolean);
  return `pid ${holder.pid}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

function ownCommand(): string {
  const words = [process.argv[1] ? process.argv[1].replace(/^.*\//, '') : 'node', ...process.argv.slice(2)];
  const text = words.join(' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function inUse(dir: string, description: string, holder: StoreLockHolder, lockPath: string): StoreError {
  const foreign = holder.host !== hostname() ? `; if that process is gone, remove ${lockPath}` : '';
  return new StoreError(
    'in-use',
    description,
    `store.openStore: ${description} is in use by ${describeHolder(holder)}; expected one process per data directory (stop it, or use --db postgres://... for several)${foreign}`,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes `dir`'s lock or throws StoreError 'in-use' naming the live holder. `dir` must exist.
 */
export async function acquireStoreLock(dir: string, options: AcquireStoreLockOptions): Promise<StoreLock> {
  const lockPath = join(dir, STORE_LOCK_FILE);
  const waitUntilMs = Date.now() + (options.waitForReaderMs ?? 15_000);
  const startTicks = processStartTicks(process.pid);
  const holder: StoreLockHolder = {
    pid: process.pid,
    startTicks: startTicks ?? null,
    host: hostname(),
    mode: options.mode,
    command: ownCommand(),
    acquiredAtMs: Date.now(),
    nonce: randomBytes(12).toString('hex'),
  };
  const content = `${JSON.stringify(holder)}\n`;
  const tempPath = `${lockPath}.${process.pid}.${holder.nonce}`;
  try {
    writeFileSync(tempPath, content, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw new StoreError(
      'bad-data-dir',
      options.description,
      `store.openStore: cannot write the lock file in ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a data directory pathmon can write`,
    );
  }
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        linkSync(tempPath, lockPath);
        return registered(lockPath, holder, content);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new StoreError(
            'bad-data-dir',
            options.description,
            `store.openStore: cannot create ${lockPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a data directory on a filesystem with hard links`,
          );
        }
      }
      const seen = readOrNull(lockPath);
      if (seen === null) continue; // released between our link and our read: try again
      const current = parseHolder(seen);
      if (current !== null && holderIsAlive(current)) {
        if (current.mode === 'read' && options.mode === 'write' && Date.now() < waitUntilMs) {
          await sleep(options.pollMs ?? 100);
          continue;
        }
        throw inUse(dir, options.description, current, lockPath);
      }
      if (attempt >= 20) {
        // Only a stampede of processes taking over the same stale lock could get here.
        throw new StoreError('in-use', options.description, `store.openStore: could not take over the stale lock ${lockPath} after ${attempt} attempts; expected one process per data directory`);
      }
      takeOverStale(lockPath, seen);
    }
  } finally {
    try {
      unlinkSync(tempPath);
    } catch {
      /* already gone */
    }
  }
}

/** Moves the stale lock `seen` aside and removes it; puts back anything else found there instead. */
function takeOverStale(lockPath: string, seen: string): void {
  const aside = `${lockPath}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    renameSync(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else took it over
    throw err;
  }
  const moved = readOrNull(aside);
  if (moved !== seen) {
    // A live lock taken between our read and our rename: give it back (link fails only if yet another
    // process got in, which the next round of the loop then judges).
    try {
      linkSync(aside, lockPath);
    } catch {
      /* the next attempt sees whoever holds it now */
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    /* gone */
  }
}

function registered(path: string, holder: StoreLockHolder, content: string): StoreLock {
  let released = false;
  const lock: StoreLock = {
    path,
    holder,
    release() {
      if (released) return;
      released = true;
      held.delete(lock);
      // Remove only our own lock: never one a later process took over after ours was judged stale.
      if (readOrNull(path) === content) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
  held.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const lock of [...held]) lock.release();
    });
  }
  return lock;
}
