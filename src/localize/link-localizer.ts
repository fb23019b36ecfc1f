/**
 * What the monitor calls each round: route outcomes in, per-link estimates out. It turns each route's
 * round figures into an observation carrying the route's own healthy baseline, runs the estimator, and
 * then feeds the healthy rounds back into the baselines (after estimating, so a round's fault never
 * enters its own baseline). Pure state: no clock, no I/O; the monitor owns time and storage.
 */
import type { RouteOutcome } from '../monitor/round-outcome.js';
import { estimateLinks } from './estimate-links.js';
import type { EstimatorOptions, LinkEstimates, RouteObservation } from './localize-types.js';
import { RouteBaselines, type RouteBaselinesOptions } from './route-baselines.js';
import { RouteIndex } from './route-matrix.js';

export type LinkLocalizerOptions = Omit<EstimatorOptions, 'groups' | 'routeIndex'> & RouteBaselinesOptions;

export class LinkLocalizer {
  readonly baselines: RouteBaselines;
  /** The plan's link arrays, translated once and reused every round. */
  private readonly routeIndex = new RouteIndex();
  /** When the last round observed was taken (ms since the epoch), null before the first. */
  lastRoundAtMs: number | null = null;

  constructor(private readonly options: LinkLocalizerOptions = {}) {
    this.baselines = new RouteBaselines(options);
  }

  observe(atMs: number, routes: readonly RouteOutcome[], groups: EstimatorOptions['groups'] = []): LinkEstimates {
    const observations = routes.map((route) => observationOf(route, this.baselines));
    const estimate = estimateLinks(observations, { ...this.options, groups, routeIndex: this.routeIndex });
    this.baselines.update(observations, estimate);
    this.lastRoundAtMs = atMs;
    return estimate;
  }

  /** Routes a re-plan dropped: their baselines go with them. */
  forget(ids: Iterable<string>): void {
    this.baselines.forget(ids);
  }
}

export function observationOf(route: RouteOutcome, baselines: RouteBaselines): RouteObservation {
  const baseline = baselines.baseline(route.id);
  return {
    id: route.id,
    // Read-only here: the estimator never writes to it, so the plan's array is shared, not copied.
    links: route.linkKeys as string[],
    sent: route.stats.sent,
    received: route.stats.received,
    rttP50Ms: route.stats.rttMs?.p50 ?? null,
    baselineP50Ms: baseline?.p50Ms ?? null,
    baselineSpreadMs: baseline?.spreadMs ?? null,
  };
}
