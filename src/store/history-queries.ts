/**
 * Reading history cheaply over any range (of user paths; walks' rounds share the tables under their
 * walk id, and summaries leave them out). Three sources hold a path's rounds at different grain: raw
 * rounds (the last `rawHours`), 5-minute buckets (the last `fiveMinuteDays`) and 1-hour buckets (the
 * whole retention). A query picks the coarsest grain it needs, not finer, so a 30-day chart reads ~720
 * one-hour rows of one path instead of 259,200 rounds. Rounds written since the last rollup (the tail
 * past the tier's watermark) come from the raw table, so nothing recent is missing from a long chart.
 *
 * Merging members (rounds or buckets) into one point: sums for rounds/sent/received, min of minima, max
 * of maxima (exact); p50/p95/p99 are the same percentile taken over the members' own p50/p95/p99
 * (percentile_cont, unweighted): an approximation that keeps one definition whatever the source.
 */
import type { PathStateName } from './path-states.js';
import { num, numOrNull, pathFromRow, type Row } from './row-mappers.js';
import type { SqlQueryable } from './sql-client.js';
import type { HistoryPoint, PathSummary } from './store.js';

export const FIVE_MINUTES_MS = 300_000;
export const ONE_HOUR_MS = 3_600_000;

interface TierState {
  tierMs: number;
  rolledUntilMs: number;
  keptSinceMs: number;
}

/**
 * Which source a range reads: tier 0 is raw rounds. Buckets of the tier before `rollupUntilMs`, raw
 * rounds from `rawFromMs` on. Normally both are the tier's watermark; when late rounds lowered the
 * watermark below the raw retention cutoff, the buckets up to that cutoff are still read (their raw
 * rounds are gone) and the late raw rounds beside them (not merged into the buckets yet).
 */
export interface SourceChoice {
  tierMs: number;
  rawFromMs: number;
  rollupUntilMs: number;
}

export async function tierStates(q: SqlQueryable): Promise<Map<number, TierState>> {
  const { rows } = await q.query<Row>('SELECT tier_ms, rolled_until_ms, kept_since_ms FROM rollup_state');
  return new Map(rows.map((r) => [num(r.tier_ms), { tierMs: num(r.tier_ms), rolledUntilMs: num(r.rolled_until_ms), keptSinceMs: num(r.kept_since_ms) }]));
}

/**
 * The coarsest-needed source for a range: raw when points must be finer than 5 minutes and raw rounds
 * still cover `sinceMs`; 5-minute buckets when points must be finer than an hour and they cover it;
 * otherwise 1-hour buckets.
 */
export function chooseSource(states: Map<number, TierState>, sinceMs: number, pointWidthMs: number): SourceChoice {
  const raw = states.get(0);
  const rawKeptSinceMs = raw?.keptSinceMs ?? 0;
  if (pointWidthMs < FIVE_MINUTES_MS && sinceMs >= rawKeptSinceMs) return { tierMs: 0, rawFromMs: sinceMs, rollupUntilMs: sinceMs };
  const five = states.get(FIVE_MINUTES_MS);
  const tier = pointWidthMs < ONE_HOUR_MS && five && sinceMs >= five.keptSinceMs ? five : states.get(ONE_HOUR_MS);
  const watermarkMs = tier?.rolledUntilMs ?? 0;
  return {
    tierMs: tier?.tierMs ?? ONE_HOUR_MS,
    rawFromMs: Math.max(sinceMs, watermarkMs),
    rollupUntilMs: Math.max(watermarkMs, rawKeptSinceMs),
  };
}

/**
 * Members of the range for one path (pathParam set) or all paths: tier buckets before the tier's
 * watermark, raw rounds after it. Parameters: $1 since, $2 until, $3 tier, $4 raw from, $5 rollup
 * until, then $6 path.
 */
function sourceSql(onePath: boolean): string {
  const pathFilter = onePath ? 'AND path_id = $6::text' : '';
  return `
    SELECT path_id, bucket_ms AS at_ms, rounds, sent, received, rtt_min_ms, rtt_p50_ms, rtt_p95_ms, rtt_p99_ms, rtt_max_ms
      FROM rollups
     WHERE tier_ms = $3::integer ${pathFilter}
       AND bucket_ms > $1::bigint - $3::integer AND bucket_ms < LEAST($2::bigint, $5::bigint)
    UNION ALL
    SELECT path_id, round_at_ms, 1, sent, received, rtt_min_ms, rtt_p50_ms, rtt_p95_ms, rtt_p99_ms, rtt_max_ms
      FROM round_results
     WHERE round_at_ms >= $4::bigint AND round_at_ms < $2::bigint ${pathFilter}`;
}

const MERGED = `sum(rounds) AS rounds, sum(sent) AS sent, sum(received) AS received,
  min(rtt_min_ms) AS rtt_min_ms, max(rtt_max_ms) AS rtt_max_ms,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_p50_ms) AS rtt_p50_ms,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY rtt_p95_ms) AS rtt_p95_ms,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY rtt_p99_ms) AS rtt_p99_ms`;

const lossPct = (sent: number, received: number): number => (sent > 0 ? (100 * (sent - received)) / sent : 0);

export async function historyPoints(q: SqlQueryable, pathId: string, sinceMs: number, untilMs: number, maxPoints: number): Promise<HistoryPoint[]> {
  if (!(untilMs > sinceMs)) return [];
  const wantedWidthMs = Math.max(1, Math.ceil((untilMs - sinceMs) / Math.max(1, maxPoints)));
  const source = chooseSource(await tierStates(q), sinceMs, wantedWidthMs);
  const widthMs = Math.max(wantedWidthMs, source.tierMs);
  const { rows } = await q.query<Row>(
    `SELECT GREATEST(min(at_ms), $1::bigint) AS at_ms, ${MERGED}
       FROM (${sourceSql(true)}) AS src
      GROUP BY (GREATEST(at_ms, $1::bigint) - $1::bigint) / $7::bigint
      ORDER BY 1`,
    [sinceMs, untilMs, source.tierMs, source.rawFromMs, source.rollupUntilMs, pathId, widthMs],
  );
  return rows.map((r) => {
    const sent = num(r.sent);
    const received = num(r.received);
    return {
      atMs: num(r.at_ms),
      rounds: num(r.rounds),
      sent,
      received,
      lossPct: lossPct(sent, received),
      rttMinMs: numOrNull(r.rtt_min_ms),
      rttP50Ms: numOrNull(r.rtt_p50_ms),
      rttP95Ms: numOrNull(r.rtt_p95_ms),
      rttP99Ms: numOrNull(r.rtt_p99_ms),
      rttMaxMs: numOrNull(r.rtt_max_ms),
    };
  });
}

/**
 * Summaries read raw rounds up to 1 h, 5-minute buckets up to 6 h, hours beyond: a summary of every
 * path is a percentile per path over all its members, so members are kept to a few hundred per path
 * (a 24-hour summary of 1,000 paths read 288,000 5-minute buckets in ~1.9 s; from hours, 24,000).
 */
const SUMMARY_RAW_MAX_MS = ONE_HOUR_MS;
const SUMMARY_FIVE_MAX_MS = 6 * ONE_HOUR_MS;

export async function pathSummaries(q: SqlQueryable, sinceMs: number, untilMs: number): Promise<PathSummary[]> {
  const rangeMs = Math.max(0, untilMs - sinceMs);
  const grain = rangeMs <= SUMMARY_RAW_MAX_MS ? 1 : rangeMs <= SUMMARY_FIVE_MAX_MS ? FIVE_MINUTES_MS : ONE_HOUR_MS;
  const source = chooseSource(await tierStates(q), sinceMs, grain);
  const [figures, paths, current, tickets, timeInState] = await Promise.all([
    // Walk rounds share the tables (route id = walk id); a summary is of user paths only.
    q.query<Row>(
      `SELECT path_id, ${MERGED} FROM (${sourceSql(false)}) AS src
                   WHERE EXISTS (SELECT 1 FROM paths p WHERE p.id COLLATE "C" = src.path_id) GROUP BY path_id`,
      [sinceMs, untilMs, source.tierMs, source.rawFromMs, source.rollupUntilMs],
    ),
    q.query<Row>('SELECT * FROM paths ORDER BY grp, id'),
    q.query<Row>(`SELECT DISTINCT ON (path_id) path_id, to_state, at_ms FROM transitions ORDER BY path_id, at_ms DESC, id DESC`),
    // A path's own ticket is the one of its path incident (`path:<id>`); link tickets are not a path's.
    q.query<Row>(`SELECT substr(subject_key, 6) AS path_id, ticket_id FROM tickets WHERE resolved_at_ms IS NULL AND subject_key LIKE 'path:%'`),
    q.query<Row>(
      `WITH t AS (
         SELECT id, path_id, to_state, at_ms FROM transitions WHERE at_ms >= $1::bigint AND at_ms < $2::bigint
         UNION ALL
         SELECT * FROM (SELECT DISTINCT ON (path_id) id, path_id, to_state, at_ms FROM transitions
                         WHERE at_ms < $1::bigint ORDER BY path_id, at_ms DESC, id DESC) AS before
       ), seg AS (
         SELECT path_id, to_state, GREATEST(at_ms, $1::bigint) AS start_ms,
                LEAD(at_ms, 1, $2::bigint) OVER (PARTITION BY path_id ORDER BY at_ms, id) AS end_ms
           FROM t
       )
       SELECT path_id, to_state, sum(LEAST(end_ms, $2::bigint) - start_ms) AS ms FROM seg GROUP BY path_id, to_state`,
      [sinceMs, untilMs],
    ),
  ]);
  const byPath = new Map(figures.rows.map((r) => [String(r.path_id), r]));
  const currentByPath = new Map(current.rows.map((r) => [String(r.path_id), r]));
  const ticketByPath = new Map(tickets.rows.map((r) => [String(r.path_id), num(r.ticket_id)]));
  const timeByPath = new Map<string, Partial<Record<PathStateName, number>>>();
  for (const r of timeInState.rows) {
    const entry = timeByPath.get(String(r.path_id)) ?? {};
    entry[r.to_state as PathStateName] = num(r.ms);
    timeByPath.set(String(r.path_id), entry);
  }
  return paths.rows.map((row) => {
    const path = pathFromRow(row);
    const f = byPath.get(path.id);
    const cur = currentByPath.get(path.id);
    const sent = f ? num(f.sent) : 0;
    const received = f ? num(f.received) : 0;
    return {
      path,
      rounds: f ? num(f.rounds) : 0,
      sent,
      received,
      lossPct: lossPct(sent, received),
      rttP50Ms: f ? numOrNull(f.rtt_p50_ms) : null,
      rttP95Ms: f ? numOrNull(f.rtt_p95_ms) : null,
      rttP99Ms: f ? numOrNull(f.rtt_p99_ms) : null,
      state: cur ? (cur.to_state as PathStateName) : null,
      stateSinceMs: cur ? num(cur.at_ms) : null,
      timeInStateMs: timeByPath.get(path.id) ?? {},
      openTicketId: ticketByPath.get(path.id) ?? null,
    };
  });
}
