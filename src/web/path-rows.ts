/**
 * The paths table's rows: the live state and last round from the monitor, the last hour's p50/p95/loss
 * from the store's summaries, and the sparkline ring. Summaries are one query for every path, cached
 * until the next round (or SUMMARY_TTL_MS), so a table refresh per round costs one query, not one per
 * path and not one per browser.
 */
import type { LivePath } from '../monitor/monitor-view.js';
import type { DashboardView } from './dashboard-view.js';
import type { PathStateName } from '../store/index.js';
import type { PathSummary } from '../store/index.js';
import type { SparklineBuffer } from './sparkline-buffer.js';

const HOUR_MS = 3600_000;
const SUMMARY_TTL_MS = 10_000;

export interface PathRow {
  id: string;
  group: string;
  names: string[];
  hopCount: number;
  state: PathStateName;
  stateSinceMs: number;
  thresholds: { delayMs: number; lossPct: number };
  last: { atMs: number; sent: number; received: number; lossPct: number; p50Ms: number | null; p95Ms: number | null; jitterMs: number | null } | null;
  hour: { rounds: number; lossPct: number; p50Ms: number | null; p95Ms: number | null } | null;
  spark: (number | null)[];
}

export class LastHourSummaries {
  private cached: { atMs: number; round: number; byPath: Map<string, PathSummary> } | null = null;
  private pending: Promise<Map<string, PathSummary>> | null = null;

  constructor(
    private readonly view: DashboardView,
    private readonly clock: () => number,
  ) {}

  async get(): Promise<Map<string, PathSummary>> {
    const nowMs = this.clock();
    const round = this.view.counters().rounds;
    if (this.cached && this.cached.round === round && nowMs - this.cached.atMs < SUMMARY_TTL_MS) return this.cached.byPath;
    // Concurrent table loads share one query.
    this.pending ??= this.view.store
      .summaries(nowMs - HOUR_MS, nowMs)
      .then((summaries) => {
        const byPath = new Map(summaries.map((summary) => [summary.path.id, summary]));
        this.cached = { atMs: nowMs, round, byPath };
        return byPath;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}

export function pathRow(path: LivePath, summary: PathSummary | undefined, spark: SparklineBuffer): PathRow {
  const round = path.lastRound;
  return {
    id: path.record.id,
    group: path.record.group,
    names: path.record.names,
    hopCount: path.record.hops.length,
    state: path.state,
    stateSinceMs: path.stateSinceMs,
    thresholds: path.thresholds,
    last: round
      ? {
          atMs: round.atMs,
          sent: round.sent,
          received: round.received,
          lossPct: round.lossPct,
          p50Ms: round.rttMs?.p50 ?? null,
          p95Ms: round.rttMs?.p95 ?? null,
          jitterMs: round.jitterMs,
        }
      : null,
    hour: summary && summary.rounds > 0 ? { rounds: summary.rounds, lossPct: summary.lossPct, p50Ms: summary.rttP50Ms, p95Ms: summary.rttP95Ms } : null,
    spark: spark.points(path.record.id),
  };
}
