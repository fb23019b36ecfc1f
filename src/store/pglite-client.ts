/**
 * SqlClient over embedded PGlite: real PostgreSQL compiled to WebAssembly, one connection, a data
 * directory on disk (or memory). The search_path is set once after opening, which holds for the life of
 * the single connection.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlQueryable, SqlRows } from './sql-client.js';

export async function openPgliteClient(dataDir: string | null, schema: string): Promise<SqlClient> {
  if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
  const db = dataDir === null ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  const queryable = (q: Pick<PGlite, 'query' | 'exec'>): SqlQueryable => ({
    async query<T>(sql: string, params: unknown[] = []): Promise<SqlRows<T>> {
      const result = await q.query<T>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...queryable(db),
    transaction: (work) => db.transaction((tx) => work(queryable(tx))),
    close: () => db.close(),
  };
}
