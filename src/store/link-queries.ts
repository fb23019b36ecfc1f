/**
 * What link localization keeps: the cover walks (like paths: upserted when planned, marked gone when a
 * re-plan drops them, their rounds in round_results under the walk id), and per-round link estimates.
 *
 * Estimates are sparse (only non-zero ones are written, absence means healthy), so a chart of one link
 * reads its rows as they are when they fit `maxPoints`, and only folds them into equal-width buckets
 * when they do not. A bucket keeps the worst of its rounds (max loss, max delay, down if any round was
 * down): folding must never hide the round that opened an incident.
 */
import type { LinkEstimateRecord, RoundResultRecord, WalkRecord } from './records.js';
import { linkEstimateFromRow, roundResultFromRow, walkFromRow, type Row } from './row-mappers.js';
import type { SqlQueryable } from './sql-client.js';

export async function upsertWalks(q: SqlQueryable, walks: WalkRecord[]): Promise<void> {
  if (walks.length === 0) return;
  const json = JSON.stringify(
    walks.map((w) => ({
      id: w.id,
      names: w.names,
      link_keys: w.linkKeys,
      first_seen_ms: w.firstSeenMs,
      gone_at_ms: w.goneAtMs,
    })),
  );
  await q.query(
    `INSERT INTO walks (id, names, link_keys, first_seen_ms, gone_at_ms)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, names jsonb, link_keys jsonb, first_seen_ms bigint, gone_at_ms bigint)
     ON CONFLICT (id) DO UPDATE SET names = excluded.names, link_keys = excluded.link_keys,
       first_seen_ms = LEAST(walks.first_seen_ms, excluded.first_seen_ms), gone_at_ms = excluded.gone_at_ms`,
    [json],
  );
}

export async function markWalksGone(q: SqlQueryable, walkIds: string[], atMs: number): Promise<void> {
  if (walkIds.length === 0) return;
  await q.query('UPDATE walks SET gone_at_ms = $2 WHERE id = ANY($1::text[]) AND gone_at_ms IS NULL', [walkIds, atMs]);
}

export async function walks(q: SqlQueryable): Promise<WalkRecord[]> {
  return (await q.query<Row>('SELECT * FROM walks ORDER BY id')).rows.map(walkFromRow);
}

/** Why a row cannot be stored, or null: estimates are numbers the monitor computed, never NaN. */
export function badEstimate(row: LinkEstimateRecord): string | null {
  if (typeof row.subjectKey !== 'string' || row.subjectKey.length === 0) return 'subjectKey is empty; expected `link:<key>` or `group:<id>`';
  for (const field of ['atMs', 'lossRatio', 'addedDelayMs', 'confidence', 'support'] as const) {
    if (!Number.isFinite(row[field])) return `${field} is ${String(row[field])}; expected a finite number`;
  }
  if (!Number.isInteger(row.support) || row.support < 0) return `support is ${row.support}; expected a whole number of routes >= 0`;
  return null;
}

export async function insertLinkEstimates(q: SqlQueryable, rows: LinkEstimateRecord[]): Promise<void> {
  if (rows.length === 0) return;
  const cols: unknown[][] = [[], [], [], [], [], [], []];
  for (const r of rows) {
    cols[0]!.push(r.subjectKey);
    cols[1]!.push(r.atMs);
    cols[2]!.push(r.lossRatio);
    cols[3]!.push(r.addedDelayMs);
    cols[4]!.push(r.down);
    cols[5]!.push(r.confidence);
    cols[6]!.push(r.support);
  }
  // A replayed round (or a recomputed one) replaces its rows instead of failing.
  await q.query(
    `INSERT INTO link_estimates (subject_key, at_ms, loss_ratio, added_delay_ms, down, confidence, support)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::float8[], $5::boolean[], $6::float8[], $7::integer[])
     ON CONFLICT (subject_key, at_ms) DO UPDATE SET loss_ratio = excluded.loss_ratio, added_delay_ms = excluded.added_delay_ms,
       down = excluded.down, confidence = excluded.confidence, support = excluded.support`,
    cols,
  );
}

export async function linkHistory(q: SqlQueryable, subjectKey: string, sinceMs: number, untilMs: number, maxPoints: number): Promise<LinkEstimateRecord[]> {
  if (!(untilMs > sinceMs)) return [];
  const points = Math.max(1, Math.floor(maxPoints));
  const widthMs = Math.max(1, Math.ceil((untilMs - sinceMs) / points));
  const { rows } = await q.query<Row>(
    `WITH r AS (
       SELECT * FROM link_estimates WHERE subject_key = $1 AND at_ms >= $2::bigint AND at_ms < $3::bigint
     ), n AS (SELECT count(*) AS rows FROM r)
     SELECT $1::text AS subject_key, min(at_ms) AS at_ms, max(loss_ratio) AS loss_ratio, max(added_delay_ms) AS added_delay_ms,
            bool_or(down) AS down, max(confidence) AS confidence, max(support) AS support
       FROM r
      GROUP BY CASE WHEN (SELECT rows FROM n) > $4::bigint THEN (at_ms - $2::bigint) / $5::bigint ELSE at_ms END
      ORDER BY 2`,
    [subjectKey, sinceMs, untilMs, points, widthMs],
  );
  return rows.map(linkEstimateFromRow);
}

/** Every route's raw rounds (paths and walks) in [sinceMs, untilMs), oldest first. */
export async function routeResults(q: SqlQueryable, sinceMs: number, untilMs: number): Promise<RoundResultRecord[]> {
  const { rows } = await q.query<Row>('SELECT * FROM round_results WHERE round_at_ms >= $1::bigint AND round_at_ms < $2::bigint ORDER BY round_at_ms, path_id', [sinceMs, untilMs]);
  return rows.map(roundResultFromRow);
}
