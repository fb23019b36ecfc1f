/**
 * Evaluators decide what a round means. The monitor probes, builds one RoundOutcome and hands it to
 * each evaluator in the order they were registered; each reads the outcome and what the evaluators
 * before it found, and adds its own findings. The monitor then stores and notifies what was found, so
 * an evaluator never touches a socket, the store or a notifier: a new one (another estimator, a new
 * kind of incident) is a new file behind this interface, registered where the monitor is wired.
 */
import type { IncidentChange } from '../incidents/incident.js';
import type { LinkEstimates } from '../localize/localize-types.js';
import type { PathTransition } from './path-transition.js';
import type { RoundOutcome } from './round-outcome.js';

export interface RoundFindings {
  /** Path state changes (plan changes included: GONE, returned). */
  transitions: PathTransition[];
  /** This round's per-link estimates; null when no estimator ran. */
  estimates: LinkEstimates | null;
  /** Incidents opened, updated or resolved. */
  incidentChanges: IncidentChange[];
}

export interface RoundEvaluator {
  readonly name: string;
  evaluate(outcome: RoundOutcome, findings: RoundFindings): void;
}

export function emptyFindings(): RoundFindings {
  return { transitions: [], estimates: null, incidentChanges: [] };
}
