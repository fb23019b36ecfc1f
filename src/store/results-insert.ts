/**
 * Writing round results fast and idempotently. Two ways, same effect:
 * - `unnest`: one INSERT … SELECT FROM unnest($1::text[], …) ON CONFLICT DO NOTHING per batch: one
 *   statement, twelve array parameters, whatever the batch size. Works on both backends.
 * - `copy` (server only): COPY the batch into a temporary table, then INSERT … SELECT … ON CONFLICT DO
 *   NOTHING from it, because COPY alone cannot skip rows that are already there.
 * The benchmark measures both; the store uses the faster for the backend (see chooseInsertMethod).
 *
 * Either way the same statement lowers the rollup watermark when the batch holds rounds older than it
 * (rows replayed after an outage), so the next rollup recomputes those buckets instead of missing them.
 */
import type { RoundResultRecord } from './records.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';

export type InsertMethod = 'unnest' | 'copy';

const COLUMNS = [
  'path_id', 'round_at_ms', 'sent', 'received', 'loss_pct', 'rtt_min_ms', 'rtt_avg_ms', 'rtt_max_ms',
  'rtt_p50_ms', 'rtt_p95_ms', 'rtt_p99_ms', 'jitter_ms',
] as const;

const LOWER_WATERMARK = `UPDATE rollup_state SET rolled_until_ms = $1::bigint - ($1::bigint % tier_ms)
  WHERE tier_ms > 0 AND rolled_until_ms > $1::bigint`;

const UNNEST_INSERT = `INSERT INTO round_results (${COLUMNS.join(', ')})
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::integer[], $4::integer[], $5::float8[], $6::float8[],
    $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::float8[])
  ON CONFLICT DO NOTHING`;

export async function insertResults(client: SqlClient, rows: RoundResultRecord[], method: InsertMethod): Promise<number> {
  if (rows.length === 0) return 0;
  let oldest = rows[0]!.roundAtMs;
  for (const r of rows) if (r.roundAtMs < oldest) oldest = r.roundAtMs;
  if (method === 'copy' && client.copyFrom) {
    return client.transaction(async (tx) => {
      const inserted = await copyInsert(client, tx, rows);
      await tx.query(LOWER_WATERMARK, [oldest]);
      return inserted;
    });
  }
  const columns: unknown[][] = COLUMNS.map(() => new Array(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    columns[0]![i] = r.pathId;
    columns[1]![i] = r.roundAtMs;
    columns[2]![i] = r.sent;
    columns[3]![i] = r.received;
    columns[4]![i] = r.lossPct;
    columns[5]![i] = r.rttMinMs;
    columns[6]![i] = r.rttAvgMs;
    columns[7]![i] = r.rttMaxMs;
    columns[8]![i] = r.rttP50Ms;
    columns[9]![i] = r.rttP95Ms;
    columns[10]![i] = r.rttP99Ms;
    columns[11]![i] = r.jitterMs;
  }
  // One statement (a data-modifying CTE), so the rows and the watermark land together in one round trip.
  const { rowCount } = await client.query(
    `WITH lowered AS (${LOWER_WATERMARK.replaceAll('$1', '$13')} RETURNING 1) ${UNNEST_INSERT}`,
    [...columns, oldest],
  );
  return rowCount;
}

async function copyInsert(client: SqlClient, tx: SqlQueryable, rows: RoundResultRecord[]): Promise<number> {
  await tx.query('CREATE TEMP TABLE IF NOT EXISTS round_results_in (LIKE round_results INCLUDING DEFAULTS) ON COMMIT DELETE ROWS');
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    lines[i] = `${copyText(r.pathId)}\t${r.roundAtMs}\t${r.sent}\t${r.received}\t${r.lossPct}\t${f(r.rttMinMs)}\t${f(r.rttAvgMs)}\t` +
      `${f(r.rttMaxMs)}\t${f(r.rttP50Ms)}\t${f(r.rttP95Ms)}\t${f(r.rttP99Ms)}\t${f(r.jitterMs)}\n`;
  }
  await client.copyFrom!('round_results_in', [...COLUMNS], lines.join(''), tx);
  const { rowCount } = await tx.query(`INSERT INTO round_results SELECT * FROM round_results_in ON CONFLICT DO NOTHING`);
  return rowCount;
}

const f = (v: number | null): string => (v === null || v === undefined ? '\\N' : String(v));
/** COPY text format: backslash, tab, newline and carriage return are escaped. */
const copyText = (s: string): string => s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
