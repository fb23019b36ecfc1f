/**
 * Rollups and retention, run by `applyRetention(nowMs)` (the monitor calls it every few minutes; it is
 * cheap when there is little new). Defaults: raw rounds 48 h, 5-minute buckets 7 days, 1-hour buckets
 * and everything else 30 days. Order matters: roll up first, then delete, and never delete raw rounds
 * that are not rolled up yet, so a long chart never has a hole.
 *
 * A bucket is recomputed from raw rounds (exact for min/max/sums, the percentile-of-percentiles rule of
 * history-queries.ts for p50/p95/p99). Rounds that arrive late for a bucket whose raw rounds are already
 * deleted (a spill replayed after a very long outage) are merged into it instead: sums add, min/max
 * combine, percentiles are averaged weighted by rounds.
 *
 * Transitions older than retention are deleted except each path's latest, which is its current state.
 *
 * Walks: their raw rounds live in round_results (route id = walk id) and go with the raw rounds (48 h),
 * which is what `pathmon localize --since` replays; they are not rolled up, because nothing charts a
 * walk (a link's story is its estimates) and at tens of thousands of walks the buckets would dwarf the
 * paths'. Link estimates are kept `linkEstimateDays` (7 by default: a week of per-link charts, longer
 * than raw rounds because rows exist only for links that were not healthy, so they stay few).
 * Incidents and their changes go `retentionDays` after they were resolved; open ones stay whatever
 * their age. Gone walks go like gone paths.
 */
import { ROLLUP_TIERS_MS } from './migrations.js';
import { tierStates, ONE_HOUR_MS } from './history-queries.js';
import type { SqlClient } from './sql-client.js';

export interface RetentionOptions {
  /** Everything (1-hour buckets, transitions, notifications, snapshots, resolved tickets, gone paths). */
  retentionDays: number;
  rawHours: number;
  fiveMinuteDays: number;
  /** Per-round link estimates. */
  linkEstimateDays: number;
}

export const defaultRetention: RetentionOptions = { retentionDays: 30, rawHours: 48, fiveMinuteDays: 7, linkEstimateDays: 7 };

const DAY_MS = 24 * ONE_HOUR_MS;

const mergeP = (col: string): string => `COALESCE((rollups.${col} * rollups.rounds + excluded.${col} * excluded.rounds) / (rollups.rounds + excluded.rounds), rollups.${col}, excluded.${col})`;

const ROLL_UP = `
  INSERT INTO rollups (tier_ms, path_id, bucket_ms, rounds, sent, received, rtt_min_ms, rtt_p50_ms, rtt_p95_ms, rtt_p99_ms, rtt_max_ms)
  SELECT $1::integer, path_id, round_at_ms - (round_at_ms % $1::integer) AS bucket_ms,
         count(*), sum(sent), sum(received), min(rtt_min_ms),
         percentile_cont(0.5) WITHIN GROUP (ORDER BY rtt_p50_ms),
         percentile_cont(0.95) WITHIN GROUP (ORDER BY rtt_p95_ms),
         percentile_cont(0.99) WITHIN GROUP (ORDER BY rtt_p99_ms),
         max(rtt_max_ms)
    FROM round_results
   WHERE round_at_ms >= $2::bigint AND round_at_ms < $3::bigint
     AND NOT EXISTS (SELECT 1 FROM walks w WHERE w.id COLLATE "C" = round_results.path_id)
   GROUP BY path_id, bucket_ms
  ON CONFLICT (tier_ms, path_id, bucket_ms) DO UPDATE SET
    rounds     = CASE WHEN excluded.bucket_ms >= $4::bigint THEN excluded.rounds ELSE rollups.rounds + excluded.rounds END,
    sent       = CASE WHEN excluded.bucket_ms >= $4::bigint THEN excluded.sent ELSE rollups.sent + excluded.sent END,
    received   = CASE WHEN excluded.bucket_ms >= $4::bigint THEN excluded.received ELSE rollups.received + excluded.received END,
    rtt_min_ms = CASE WHEN excluded.bucket_ms >= $4::bigint THEN excluded.rtt_min_ms ELSE LEAST(rollups.rtt_min_ms, excluded.rtt_min_ms) END,
    rtt_max_ms = CASE WHEN excluded.bucket_ms >= $4::bigint THEN excluded.rtt_max_ms ELSE GREATEST(rollups.rtt_max_ms, excluded.rtt_max_ms) END,
    rtt_p50_ms = CASE WHEN excluded.bucket_ms >= $4::bigint THEN excluded.rtt_p50_ms ELSE ${mergeP('rtt_p50_ms')} END,
    rtt_p95_ms = CASE WHEN excluded.bucket_ms >= $4::bigint THEN excluded.rtt_p95_ms ELSE ${mergeP('rtt_p95_ms')} END,
    rtt_p99_ms = CASE WHEN excluded.bucket_ms >= $4::bigint THEN excluded.rtt_p99_ms ELSE ${mergeP('rtt_p99_ms')} END`;

export async function applyRetention(client: SqlClient, nowMs: number, options: RetentionOptions): Promise<{ deletedRounds: number }> {
  return client.transaction(async (tx) => {
    // Two probers sharing a server run this at the same time; one waits for the other.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.pathmon_retention'))`);
    const states = await tierStates(tx);
    const rawKeptSinceMs = states.get(0)?.keptSinceMs ?? 0;
    let rolledEverywhereUntilMs = Number.MAX_SAFE_INTEGER;
    for (const tierMs of ROLLUP_TIERS_MS) {
      const from = states.get(tierMs)?.rolledUntilMs ?? 0;
      const until = Math.floor(nowMs / tierMs) * tierMs;
      if (until > from) {
        await tx.query(ROLL_UP, [tierMs, from, until, rawKeptSinceMs]);
        await tx.query('UPDATE rollup_state SET rolled_until_ms = $2 WHERE tier_ms = $1', [tierMs, until]);
      }
      rolledEverywhereUntilMs = Math.min(rolledEverywhereUntilMs, Math.max(from, until));
    }

    const rawCutoffMs = Math.min(Math.floor((nowMs - options.rawHours * ONE_HOUR_MS) / ONE_HOUR_MS) * ONE_HOUR_MS, rolledEverywhereUntilMs);
    let deletedRounds = 0;
    if (rawCutoffMs > rawKeptSinceMs) {
      deletedRounds = (await tx.query('DELETE FROM round_results WHERE round_at_ms < $1::bigint', [rawCutoffMs])).rowCount;
      await tx.query('UPDATE rollup_state SET kept_since_ms = $1 WHERE tier_ms = 0', [rawCutoffMs]);
    } else if (rawKeptSinceMs > 0) {
      // Late rounds written below the cutoff after it moved: rolled up above, now removed.
      deletedRounds = (await tx.query('DELETE FROM round_results WHERE round_at_ms < $1::bigint', [Math.min(rawKeptSinceMs, rolledEverywhereUntilMs)])).rowCount;
    }

    const keep: Array<[number, number]> = [
      [ROLLUP_TIERS_MS[0], nowMs - options.fiveMinuteDays * DAY_MS],
      [ROLLUP_TIERS_MS[1], nowMs - options.retentionDays * DAY_MS],
    ];
    for (const [tierMs, cutoffMs] of keep) {
      const aligned = Math.floor(cutoffMs / tierMs) * tierMs;
      await tx.query('DELETE FROM rollups WHERE tier_ms = $1 AND bucket_ms < $2::bigint', [tierMs, aligned]);
      await tx.query('UPDATE rollup_state SET kept_since_ms = GREATEST(kept_since_ms, $2::bigint) WHERE tier_ms = $1', [tierMs, aligned]);
    }

    const cutoffMs = nowMs - options.retentionDays * DAY_MS;
    await tx.query(
      `DELETE FROM transitions t WHERE t.at_ms < $1::bigint
         AND t.id <> (SELECT id FROM transitions l WHERE l.path_id = t.path_id ORDER BY at_ms DESC, id DESC LIMIT 1)`,
      [cutoffMs],
    );
    await tx.query('DELETE FROM notifications WHERE at_ms < $1::bigint', [cutoffMs]);
    // The latest snapshot stays whatever its age: it is the topology in force.
    await tx.query('DELETE FROM topology_snapshots WHERE at_ms < $1::bigint AND id <> (SELECT max(id) FROM topology_snapshots)', [cutoffMs]);
    await tx.query('DELETE FROM tickets WHERE resolved_at_ms < $1::bigint', [cutoffMs]);
    await tx.query('DELETE FROM paths WHERE gone_at_ms < $1::bigint', [cutoffMs]);
    await tx.query('DELETE FROM walks WHERE gone_at_ms < $1::bigint', [cutoffMs]);
    await tx.query('DELETE FROM link_estimates WHERE at_ms < $1::bigint', [nowMs - options.linkEstimateDays * DAY_MS]);
    await tx.query(
      `DELETE FROM incident_changes WHERE incident_id IN
         (SELECT id FROM incidents WHERE state = 'resolved' AND resolved_at_ms < $1::bigint)`,
      [cutoffMs],
    );
    await tx.query(`DELETE FROM incidents WHERE state = 'resolved' AND resolved_at_ms < $1::bigint`, [cutoffMs]);
    return { deletedRounds };
  });
}
