/**
 * The vocabulary of per-link estimation: what a walk (or a user path) measured in a round, what the
 * estimator says about each directed link (or link group), and the knobs. Pure data: the monitor fills
 * observations from its rounds, `pathmon localize` from an observations file or stored history, and the
 * benchmark from a simulator; all three run the same estimator.
 */

/** One probed route (a cover walk or a user path) over one round or one window of rounds. */
export interface RouteObservation {
  /** Walk id or path id. */
  id: string;
  /** Directed link keys crossed, in order; a key appears once per crossing. */
  links: string[];
  sent: number;
  received: number;
  /** Median RTT of what came back, null when nothing did. */
  rttP50Ms: number | null;
  /**
   * The route's own healthy median RTT (from earlier rounds), null when not known yet. The estimator
   * attributes delay only from routes with a baseline: `rttP50Ms - baselineP50Ms` is the added delay,
   * and the lab's and the host's fixed costs cancel inside it.
   */
  baselineP50Ms: number | null;
  /** Spread of the healthy rounds' medians (MAD, ms): how much the route wobbles on its own. */
  baselineSpreadMs?: number | null;
}

/** What the estimator decides a link (or group) is one unknown of. */
export type EstimateSubject = { kind: 'link'; linkKey: string } | { kind: 'group'; groupId: string; linkKeys: string[] };

export interface LinkEstimate {
  subject: EstimateSubject;
  /** Estimated fraction of probes this link loses, 0..1. */
  lossRatio: number;
  /** True when boolean tomography blames it for routes that returned nothing at all. */
  down: boolean;
  /** Estimated one-way delay added over its healthy baseline, ms, >= 0. */
  addedDelayMs: number;
  /** 0..1: how sure the estimator is that the link is faulty (support, residual, test against noise). */
  confidence: number;
  /** Routes crossing it in this estimate. */
  support: number;
  /** Ids of routes whose loss or delay this link explains (for the incident's evidence). */
  evidence: string[];
}

export interface LinkEstimates {
  /** One entry per subject that had any route crossing it; healthy ones carry zeros. */
  estimates: LinkEstimate[];
  /** Observations that could not be used (nothing sent, unknown links), with the reason. */
  skipped: { id: string; reason: string }[];
  computeMs: number;
}

export interface EstimatorOptions {
  /** Link groups from the cover plan: their members share one unknown. */
  groups?: readonly { id: string; linkKeys: readonly string[] }[];
  /** Loss below this ratio is treated as healthy noise. Default 0.005. */
  minLossRatio?: number;
  /** Added delay below this is treated as noise, ms. Default 0.5. */
  minAddedDelayMs?: number;
  /**
   * Link-key translations kept from earlier rounds (a RouteIndex from src/localize), so the plan's link
   * arrays are translated once, not every round. Optional: without it each call translates afresh.
   */
  routeIndex?: import('./route-matrix.js').RouteIndex;
}
