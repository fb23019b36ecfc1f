/**
 * Per-path probes sent and received since start, as Prometheus counters. The view gives each path's
 * latest round only, so the totals are summed here on every round update; a round is counted once (by
 * its time) however many updates mention it. Totals of paths no longer in the view are forgotten with
 * the path, like every other per-path series.
 */
import type { MonitorView } from '../monitor/monitor-view.js';

export interface ProbeTotal {
  sent: number;
  received: number;
  lastRoundAtMs: number;
}

export class ProbeTotals {
  private readonly totals = new Map<string, ProbeTotal>();
  private readonly unsubscribe: () => void;

  constructor(private readonly view: MonitorView) {
    this.unsubscribe = view.onUpdate((update) => {
      if (update.kind === 'round') this.count(new Set(update.pathIds));
    });
    this.count(null);
  }

  get(pathId: string): ProbeTotal | undefined {
    return this.totals.get(pathId);
  }

  /** Forgets paths that are not in `pathIds`. */
  retain(pathIds: Set<string>): void {
    for (const id of this.totals.keys()) if (!pathIds.has(id)) this.totals.delete(id);
  }

  close(): void {
    this.unsubscribe();
  }

  private count(only: Set<string> | null): void {
    for (const path of this.view.paths()) {
      const round = path.lastRound;
      if (!round || (only && !only.has(path.record.id))) continue;
      let total = this.totals.get(path.record.id);
      if (!total) this.totals.set(path.record.id, (total = { sent: 0, received: 0, lastRoundAtMs: -Infinity }));
      if (round.atMs <= total.lastRoundAtMs) continue;
      total.sent += round.sent;
      total.received += round.received;
      total.lastRoundAtMs = round.atMs;
    }
  }
}
