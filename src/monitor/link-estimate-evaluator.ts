/**
 * The link-estimation evaluator: each round, every probed route (cover walks and user paths alike, since
 * a user path's figures are evidence about the links it crosses too) goes to the localizer, which
 * estimates each directed link's loss and added delay against the routes' own baselines. Routes that
 * left the plan take their baselines with them.
 */
import type { LinkGroup } from '../../topology/index.js';
import { LinkLocalizer, type LinkLocalizerOptions } from '../localize/index.js';
import type { RoundEvaluator, RoundFindings } from './round-evaluator.js';
import type { RoundOutcome } from './round-outcome.js';

export class LinkEstimateEvaluator implements RoundEvaluator {
  readonly name = 'link estimation';
  private readonly localizer: LinkLocalizer;
  private lastRouteIds = new Set<string>();

  constructor(
    private readonly groups: () => readonly LinkGroup[],
    options: LinkLocalizerOptions = {},
  ) {
    this.localizer = new LinkLocalizer(options);
  }

  evaluate(outcome: RoundOutcome, findings: RoundFindings): void {
    const ids = new Set(outcome.routes.map((route) => route.id));
    this.localizer.forget([...this.lastRouteIds].filter((id) => !ids.has(id)));
    this.lastRouteIds = ids;
    if (outcome.routes.length === 0) return;
    findings.estimates = this.localizer.observe(outcome.atMs, outcome.routes, this.groups());
  }
}
