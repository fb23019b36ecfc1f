/**
 * The tiny query interface both backends implement, so the store has one set of SQL statements.
 * Only what the store needs: parameterised queries, a transaction on one connection, an optional bulk
 * path (COPY) for the server, and close. Rows come back as plain objects keyed by column name;
 * bigint columns may arrive as number, string or bigint depending on the driver, so readers use Number().
 */

export interface SqlRows<T> {
  rows: T[];
  /** Rows inserted, updated or deleted, where the statement reports it. */
  rowCount: number;
}

export interface SqlQueryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<SqlRows<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends SqlQueryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Streams `data` (PostgreSQL's binary COPY format) into `table` with COPY FROM STDIN, inside `tx`.
   * Only the server backend has it; the store uses multi-row INSERT when it is absent.
   */
  copyFrom?(table: string, columns: string[], data: Buffer, tx: SqlQueryable): Promise<void>;
  close(): Promise<void>;
}
