/**
 * Opening a store from the one location string: pick the backend, create the schema, migrate. Any
 * failure on the way comes out as a StoreError naming the redacted location and what was expected,
 * never the password (the driver's text is scrubbed of it too).
 *
 * `mode` says who is opening. 'write' (the monitor; the default) may create a PGlite directory and holds
 * it exclusively; 'read' (report, history, localize) never creates one, fails fast when the directory is
 * missing or not a database, and reads a private snapshot while a monitor holds it (pglite-client.ts).
 * On a server both modes are the same: PostgreSQL serves many clients, and the fleet lease decides who
 * writes.
 */
import { checkSchemaName, parseLocation } from './location.js';
import { migrate } from './migrations.js';
import { openPgClient } from './pg-client.js';
import { openPgliteClient } from './pglite-client.js';
import type { InsertMethod } from './results-insert.js';
import { defaultRetention, type RetentionOptions } from './retention.js';
import type { SqlClient } from './sql-client.js';
import { SqlStore } from './sql-store.js';
import { StoreError, isUnreachable, scrubbedMessage } from './store-error.js';

export interface OpenStoreOptions {
  /** 'write' (default) may create and holds a PGlite directory exclusively; 'read' never creates. */
  mode?: 'write' | 'read';
  /** PGlite, write mode: how long to wait for a read-only command holding the directory. Default 15 s. */
  waitForReaderMs?: number;
  /** The PostgreSQL schema (namespace) holding pathmon's tables; created if missing. Default `pathmon`. */
  schema?: string;
  retention?: Partial<RetentionOptions>;
  /** Server only. */
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  maxConnections?: number;
  /** How round results are written; default: `copy` on a server, `unnest` on PGlite. */
  insertMethod?: InsertMethod;
  /**
   * Told, in words for an operator, what a slow open is doing while it does it: PGlite's first start in
   * a fresh directory takes about 10 s with nothing else to show. Called before the slow step and once
   * the store is ready (with the time it took); never for a server, which opens in milliseconds.
   */
  onProgress?: (message: string) => void;
}

export const DEFAULT_SCHEMA = 'pathmon';

export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<SqlStore> {
  const parsed = parseLocation(location);
  const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA, parsed.description);
  let client: SqlClient | null = null;
  const startedMs = Date.now();
  let told = false;
  const onProgress =
    options.onProgress &&
    ((message: string) => {
      told = true;
      options.onProgress!(message);
    });
  try {
    client =
      parsed.kind === 'pglite'
        ? await openPgliteClient(parsed.dataDir, schema, {
            mode: options.mode ?? 'write',
            description: parsed.description,
            ...(options.waitForReaderMs !== undefined ? { waitForReaderMs: options.waitForReaderMs } : {}),
            ...(onProgress ? { onProgress } : {}),
          })
        : await openPgClient(parsed.url, schema, {
            connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
            queryTimeoutMs: options.queryTimeoutMs ?? 60_000,
            maxConnections: options.maxConnections ?? 4,
          });
    const schemaVersion = await migrate(client, parsed.description);
    if (told) onProgress!(`embedded database ready (${((Date.now() - startedMs) / 1000).toFixed(1)} s)`);
    return new SqlStore(client, {
      description: parsed.description,
      secrets: parsed.secrets,
      schema,
      schemaVersion,
      retention: { ...defaultRetention, ...options.retention },
      insertMethod: options.insertMethod ?? (parsed.kind === 'postgres' ? 'copy' : 'unnest'),
    });
  } catch (err) {
    await client?.close().catch(() => undefined);
    if (err instanceof StoreError) throw err;
    const detail = scrubbedMessage(err, parsed.secrets);
    if (parsed.kind === 'postgres' && isUnreachable(err)) {
      throw new StoreError('unreachable', parsed.description, `store.openStore: cannot reach ${parsed.description} (${detail}); expected a PostgreSQL server accepting connections there`);
    }
    throw new StoreError(
      'query-failed',
      parsed.description,
      `store.openStore: cannot open ${parsed.description} (${detail}); expected ` +
        (parsed.kind === 'postgres'
          ? 'a PostgreSQL server that accepts these credentials and lets the user create the schema'
          : 'a PGlite data directory pathmon can write (and no other process using it)'),
    );
  }
}
