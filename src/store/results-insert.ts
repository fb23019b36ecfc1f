/**
 * Writing round results fast and idempotently. Two ways, same effect:
 * - `unnest`: one INSERT … SELECT FROM unnest($1::text[], …) ON CONFLICT DO NOTHING per batch: one
 *   statement, twelve array parameters, whatever the batch size. Works on both backends.
 * - `copy` (server only): binary COPY straight into the table. COPY cannot skip rows that are already
 *   there, so a batch that hits one (a replay after an outage: rare) fails with a unique violation,
 *   rolls back, and is written again through a temporary table and INSERT … ON CONFLICT DO NOTHING.
 *   The common case pays neither ON CONFLICT's speculative insertion nor text parsing.
 * The benchmark (test/bench/store.bench.ts) measures both; openStore picks `copy` for a server.
 *
 * Either way the same statement lowers the rollup watermark when the batch holds rounds older than it
 * (rows replayed after an outage), so the next rollup recomputes those buckets instead of missing them.
 */
import { roundResultsCopyBinary } from './copy-binary.js';
import type { RoundResultRecord } from './records.js';
import type { SqlClient } from './sql-client.js';

export type InsertMethod = 'unnest' | 'copy';

const COLUMNS = ['path_id', 'round_at_ms', 'sent', 'received', 'loss_pct', 'rtt_min_ms', 'rtt_avg_ms', 'rtt_max_ms', 'rtt_p50_ms', 'rtt_p95_ms', 'rtt_p99_ms', 'jitter_ms'] as const;

const UNIQUE_VIOLATION = '23505';

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
    const data = roundResultsCopyBinary(rows);
    try {
      return await client.transaction(async (tx) => {
        await client.copyFrom!('round_results', [...COLUMNS], data, tx);
        await tx.query(LOWER_WATERMARK, [oldest]);
        return rows.length;
      });
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    }
    return client.transaction(async (tx) => {
      await tx.query('CREATE TEMP TABLE IF NOT EXISTS round_results_in (LIKE round_results INCLUDING DEFAULTS) ON COMMIT DELETE ROWS');
      await client.copyFrom!('round_results_in', [...COLUMNS], data, tx);
      const { rowCount } = await tx.query('INSERT INTO round_results SELECT * FROM round_results_in ON CONFLICT DO NOTHING');
      await tx.query(LOWER_WATERMARK, [oldest]);
      return rowCount;
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
  const { rowCount } = await client.query(`WITH lowered AS (${LOWER_WATERMARK.replaceAll('$1', '$13')} RETURNING 1) ${UNNEST_INSERT}`, [...columns, oldest]);
  return rowCount;
}
