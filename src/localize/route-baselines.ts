/**
 * Each route's own healthy delay: the median of its last N healthy rounds' p50s, and their spread (the
 * median absolute deviation). Delay is attributed to links from `p50 − baseline`, so every fixed cost
 * (the lab's forwarding, the prober host's stack, a long fibre) cancels inside the route's own figure.
 *
 * A round is healthy for a route when it lost nothing and no subject it crosses was blamed in that
 * round's estimate: a fault must not become the new normal. Until a route has `minRounds` healthy
 * rounds it has no baseline, and the estimator attributes no delay from it. Pure state, no clock.
 */
import type { LinkEstimates } from './localize-types.js';

export interface RouteBaseline {
  p50Ms: number;
  /** Median absolute deviation of the healthy rounds' p50s, ms. */
  spreadMs: number;
  /** Healthy rounds the figures are from. */
  rounds: number;
}

export interface RouteBaselinesOptions {
  /** Healthy rounds remembered per route. Default 20. */
  window?: number;
  /** Healthy rounds needed before a baseline exists. Default 3. */
  minRounds?: number;
}

export interface BaselineRound {
  id: string;
  links: readonly string[];
  sent: number;
  received: number;
  rttP50Ms: number | null;
}

interface History {
  ring: Float64Array;
  next: number;
  size: number;
  baseline: RouteBaseline | null;
}

export class RouteBaselines {
  private readonly window: number;
  private readonly minRounds: number;
  private readonly histories = new Map<string, History>();

  constructor(options: RouteBaselinesOptions = {}) {
    this.window = options.window ?? 20;
    this.minRounds = options.minRounds ?? 3;
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError(`localize.RouteBaselines: window must be a whole number >= 1, got ${this.window}`);
    if (!Number.isInteger(this.minRounds) || this.minRounds < 1 || this.minRounds > this.window) {
      throw new RangeError(`localize.RouteBaselines: minRounds must be a whole number in 1..window (${this.window}), got ${this.minRounds}`);
    }
  }

  /** The route's baseline, or null while it has fewer than `minRounds` healthy rounds. */
  baseline(id: string): RouteBaseline | null {
    return this.histories.get(id)?.baseline ?? null;
  }

  /** Adds one healthy round's p50 to a route's history. */
  recordHealthy(id: string, p50Ms: number): void {
    let history = this.histories.get(id);
    if (!history) {
      history = { ring: new Float64Array(this.window), next: 0, size: 0, baseline: null };
      this.histories.set(id, history);
    }
    history.ring[history.next] = p50Ms;
    history.next = (history.next + 1) % this.window;
    history.size = Math.min(this.window, history.size + 1);
    if (history.size < this.minRounds) return;
    const values = Array.from(history.ring.subarray(0, history.size)).sort((a, b) => a - b);
    const median = medianOfSorted(values);
    const spread = medianOfSorted(values.map((value) => Math.abs(value - median)).sort((a, b) => a - b));
    history.baseline = { p50Ms: median, spreadMs: spread, rounds: history.size };
  }

  /**
   * Records a round: each route that lost nothing, returned a p50 and crosses no blamed subject adds
   * that p50 to its history. Returns how many routes counted as healthy.
   */
  update(routes: readonly BaselineRound[], estimate: LinkEstimates): number {
    const blamed = new Set<string>();
    for (const e of estimate.estimates) {
      if (!e.down && e.lossRatio === 0 && e.addedDelayMs === 0) continue;
      if (e.subject.kind === 'link') blamed.add(e.subject.linkKey);
      else for (const key of e.subject.linkKeys) blamed.add(key);
    }
    let healthy = 0;
    for (const route of routes) {
      if (route.sent === 0 || route.received !== route.sent || route.rttP50Ms === null) continue;
      if (blamed.size > 0 && route.links.some((key) => blamed.has(key))) continue;
      this.recordHealthy(route.id, route.rttP50Ms);
      healthy++;
    }
    return healthy;
  }

  /** Drops routes the plan no longer probes. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.histories.delete(id);
  }

  get size(): number {
    return this.histories.size;
  }
}

function medianOfSorted(sorted: readonly number[]): number {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
