/**
 * The PostgreSQL server for storage tests: a store on a fresh, uniquely named schema (so runs and
 * engineers never collide), dropped afterwards. The URL comes from PATHMON_TEST_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/test. When the server cannot be reached the tests skip with a
 * message, except under CI=true, where they fail: CI promises a server there.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type OpenStoreOptions, type SqlStore } from '../../src/store/index.js';

export const testPgUrl = process.env.PATHMON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function uniqueSchemaName(prefix = 'pmtest'): string {
  return `${prefix}_${process.pid.toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** null when reachable; else why not (already redacted: no password in it). */
export async function pgUnreachableReason(url = testPgUrl): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    const shown = new URL(url);
    shown.password = '';
    return `PostgreSQL at ${shown.href} unreachable: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * What node:test's `skip` option gets: false to run, a message to skip. Under CI=true an unreachable
 * server throws instead, so the run fails with the reason.
 */
export async function pgSkipReason(url = testPgUrl): Promise<string | false> {
  const reason = await pgUnreachableReason(url);
  if (reason === null) return false;
  if (process.env.CI === 'true') {
    throw new Error(`test.pgSkipReason: ${reason}; CI=true requires the PostgreSQL server (start it, or set PATHMON_TEST_PG_URL)`);
  }
  return `${reason} (set CI=true to make this a failure)`;
}

/** A URL like `url` but going to 127.0.0.1:port (the cut proxy). */
export function urlThroughPort(port: number, url = testPgUrl): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.href;
}

/** Drops a schema created for a test; quiet if it is gone already. */
export async function dropSchema(schema: string, url = testPgUrl): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestPgStore {
  store: SqlStore;
  schema: string;
  url: string;
  /** Closes the store and drops its schema. */
  dispose(): Promise<void>;
}

export async function openTestPgStore(options: OpenStoreOptions = {}, url = testPgUrl): Promise<TestPgStore> {
  const schema = options.schema ?? uniqueSchemaName();
  const store = await openStore(url, { ...options, schema });
  return {
    store,
    schema,
    url,
    async dispose() {
      await store.close();
      await dropSchema(schema, url);
    },
  };
}
