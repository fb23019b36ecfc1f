/**
 * SqlClient over a PostgreSQL server through a `pg` Pool. The schema is set per connection with the
 * startup option `-c search_path=…`, so every pooled connection sees the same tables without an extra
 * round trip. Idle connections that die (server restart, network cut) emit 'error' on the pool; it is
 * swallowed here on purpose: the next query fails, and the caller (the batching writer) retries.
 */
import pg from 'pg';
import { from as copyFromStream } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SqlClient, SqlQueryable, SqlRows } from './sql-client.js';

export interface PgClientOptions {
  connectTimeoutMs: number;
  /** A statement that takes longer is abandoned by the client (the connection may be gone). */
  queryTimeoutMs: number;
  maxConnections: number;
}

const TX_CLIENT = Symbol('pg client');

export async function openPgClient(url: string, schema: string, options: PgClientOptions): Promise<SqlClient> {
  const pool = new pg.Pool({
    connectionString: url,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs,
    max: options.maxConnections,
    idleTimeoutMillis: 10_000,
  });
  pool.on('error', () => {
    /* see the file comment: the next query reports it */
  });
  const queryable = (q: pg.Pool | pg.PoolClient): SqlQueryable & { [TX_CLIENT]?: pg.PoolClient } => ({
    async query<T>(sql: string, params: unknown[] = []): Promise<SqlRows<T>> {
      const result = await q.query(sql, params);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await q.query(sql);
    },
  });
  // CREATE SCHEMA cannot use the search_path option before the schema exists, but it does not need it.
  // Only when it is missing: a fleet agent's role may use the schema but not create one in the database.
  const existing = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (existing.rowCount === 0) {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((err: unknown) => {
      // Two openers racing on the same new schema: the loser sees a unique violation, which is fine.
      if ((err as { code?: string }).code !== '23505') throw err;
    });
  }
  return {
    kind: 'postgres',
    ...queryable(pool),
    async transaction(work) {
      const client = await pool.connect();
      // A checked-out client that loses its connection emits 'error'; the failing query reports it.
      const onError = (): void => {
        broken = true;
      };
      client.on('error', onError);
      let broken = false;
      try {
        await client.query('BEGIN');
        const tx = { ...queryable(client), [TX_CLIENT]: client };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    },
    async copyFrom(table, columns, data, tx) {
      const client = (tx as { [TX_CLIENT]?: pg.PoolClient })[TX_CLIENT];
      if (!client) throw new Error('store.copyFrom: called outside a transaction; expected the tx passed to transaction()');
      const stream = client.query(copyFromStream(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT binary)`));
      await pipeline(Readable.from([data]), stream);
    },
    close: () => pool.end(),
  };
}
