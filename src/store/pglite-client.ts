/**
 * SqlClient over embedded PGlite: real PostgreSQL compiled to WebAssembly, one connection, a data
 * directory on disk (or memory). The search_path is set once after opening, which holds for the life of
 * the single connection.
 *
 * PGlite is single-user PostgreSQL inside this process, so a directory must have one process at a time:
 *  - mode 'write' (`pathmon run`): the directory is checked (see data-dir.ts: never Node's recursive
 *    mkdir, which spins forever on /proc), created if missing, and locked (store-lock.ts); a second
 *    process, or a second open in this one, is refused with the holder's pid.
 *  - mode 'read' (`report`, `history`, `localize --since`): the directory must already be a PGlite
 *    data directory; nothing is created. When no process holds it, it is locked in mode 'read' and
 *    opened in place (a writer starting meanwhile waits for it). When a monitor holds it, a private
 *    snapshot is copied and opened instead (data-dir-snapshot.ts: consistent by WAL replay, as fresh as
 *    the monitor's last commit); if no consistent copy opens after a few tries, the error names the
 *    holder and points at its --listen API.
 * Lock and snapshot are released by close().
 *
 * A fresh directory's first open is slow (PGlite runs initdb in WebAssembly: about 10 s, against 1-2 s to
 * open an existing one), so `onProgress` is told before it starts, and the caller can say why nothing
 * else has happened yet.
 */
import { PGlite } from '@electric-sql/pglite';
import { checkDataDirForRead, isPgliteDataDir, prepareDataDirForWrite } from './data-dir.js';
import { snapshotDataDir, type DataDirSnapshot } from './data-dir-snapshot.js';
import type { SqlClient, SqlQueryable, SqlRows } from './sql-client.js';
import { StoreError } from './store-error.js';
import { acquireStoreLock, describeHolder, liveStoreLockHolder, STORE_LOCK_FILE, type StoreLock, type StoreLockMode } from './store-lock.js';

export interface PgliteOpenOptions {
  /** Default 'write'. */
  mode?: StoreLockMode;
  /** The redacted location, for messages. */
  description?: string;
  /** How long a writer waits for a report holding the directory. Default 15 s. */
  waitForReaderMs?: number;
  /** Told what a slow step is about to do (creating a fresh database), in words for an operator. */
  onProgress?: (message: string) => void;
}

/** What the operator is told before a fresh data directory's first open. */
export function initialisingMessage(dataDir: string): string {
  return `initialising the embedded database in ${dataDir} (first start takes ~10 s)…`;
}

/** How many fresh snapshots a read-only open tries before giving up. */
const SNAPSHOT_ATTEMPTS = 3;

export async function openPgliteClient(dataDir: string | null, schema: string, options: PgliteOpenOptions = {}): Promise<SqlClient> {
  if (dataDir === null) return clientOver(await openPglite(null, schema), () => undefined);
  const description = options.description ?? `pglite:${dataDir}`;
  if ((options.mode ?? 'write') === 'write') {
    prepareDataDirForWrite(dataDir, description, [STORE_LOCK_FILE]);
    const lock = await acquireStoreLock(dataDir, {
      mode: 'write',
      description,
      ...(options.waitForReaderMs !== undefined ? { waitForReaderMs: options.waitForReaderMs } : {}),
    });
    // Said only once the lock is ours: a second monitor refused for the lock creates nothing.
    options.onProgress?.(isPgliteDataDir(dataDir) ? `opening the embedded database in ${dataDir}…` : initialisingMessage(dataDir));
    return openReleasing(dataDir, schema, () => lock.release());
  }
  checkDataDirForRead(dataDir, description);
  const lock = await readLockOrNull(dataDir, description);
  if (lock !== null) return openReleasing(dataDir, schema, () => lock.release());
  return openSnapshot(dataDir, schema, description);
}

/** A read-mode lock, or null when someone else holds the directory or it is not writable by us. */
async function readLockOrNull(dataDir: string, description: string): Promise<StoreLock | null> {
  try {
    return await acquireStoreLock(dataDir, { mode: 'read', description, waitForReaderMs: 0 });
  } catch (err) {
    if (err instanceof StoreError && (err.code === 'in-use' || err.code === 'bad-data-dir')) return null;
    throw err;
  }
}

async function openReleasing(dir: string, schema: string, release: () => void): Promise<SqlClient> {
  try {
    return clientOver(await openPglite(dir, schema), release);
  } catch (err) {
    release();
    throw err;
  }
}

async function openSnapshot(dataDir: string, schema: string, description: string): Promise<SqlClient> {
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= SNAPSHOT_ATTEMPTS; attempt += 1) {
    const snapshot: DataDirSnapshot = snapshotDataDir(dataDir, description);
    try {
      return clientOver(await openPglite(snapshot.dir, schema), () => snapshot.remove());
    } catch (err) {
      snapshot.remove();
      lastError = err;
    }
  }
  const holder = liveStoreLockHolder(dataDir);
  const detail = lastError instanceof Error ? lastError.message : String(lastError);
  throw new StoreError(
    'in-use',
    description,
    `store.openStore: ${description} is in use by ${holder ? describeHolder(holder) : 'another process'} and ${SNAPSHOT_ATTEMPTS} copies of it did not open (${detail.slice(0, 200)}); ` +
      'expected a copy to open: try again, or ask the monitor itself (its --listen API: /api/status, /api/paths)',
  );
}

async function openPglite(dir: string | null, schema: string): Promise<PGlite> {
  const db = dir === null ? new PGlite() : new PGlite(dir);
  try {
    await db.waitReady;
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}

function clientOver(db: PGlite, release: () => void): SqlClient {
  const queryable = (q: Pick<PGlite, 'query' | 'exec'>): SqlQueryable => ({
    async query<T>(sql: string, params: unknown[] = []): Promise<SqlRows<T>> {
      const result = await q.query<T>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
  });
  let closed = false;
  return {
    kind: 'pglite',
    ...queryable(db),
    transaction: (work) => db.transaction((tx) => work(queryable(tx))),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}
