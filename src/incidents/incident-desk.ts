/**
 * The one thing the monitor calls per round for incidents: link and group incidents from the round's
 * estimates first, then path incidents, which need to know what the link incidents explain. The two
 * evaluators hold the rules; the desk only orders them and lists what is open.
 */
import type { IncidentChange, IncidentRecord } from './incident.js';
import { LinkIncidentEvaluator, type LinkIncidentOptions, type LinkRoundInput } from './link-incident-evaluator.js';
import { PathIncidents, type PathTransitionInput } from './path-incidents.js';
import type { PathStatus } from './explained-paths.js';

export interface DeskRoundInput {
  atMs: number;
  hysteresisRounds: number;
  /**
   * This round's link estimation; null when localization is off or did not run this round. Link and
   * group incidents then hold as they are (no round counts for or against them).
   */
  localization: Pick<LinkRoundInput, 'estimates' | 'links' | 'groups' | 'thresholds'> | null;
  /** This round's path transitions, in the order the path evaluator made them. */
  transitions: readonly PathTransitionInput[];
  /** Every monitored user path and its state after this round (a LivePath fits). */
  paths: readonly PathStatus[];
}

export interface DeskRound {
  /** Link and group changes first, then path changes. */
  changes: IncidentChange[];
  /** Every open incident after the round, newest first. */
  open: IncidentRecord[];
}

export class IncidentDesk {
  readonly #links: LinkIncidentEvaluator;
  readonly #paths = new PathIncidents();

  constructor(options: LinkIncidentOptions = {}) {
    this.#links = new LinkIncidentEvaluator(options);
  }

  /** Continues the incidents a previous run left open (from `Store.openIncidents()`): nothing is re-opened. */
  resume(open: readonly IncidentRecord[]): void {
    this.#links.resume(open);
    this.#paths.resume(open);
  }

  round(input: DeskRoundInput): DeskRound {
    const linkChanges = input.localization === null ? [] : this.#links.evaluate({ atMs: input.atMs, hysteresisRounds: input.hysteresisRounds, paths: input.paths, ...input.localization });
    const pathChanges = this.#paths.round({
      atMs: input.atMs,
      hysteresisRounds: input.hysteresisRounds,
      transitions: input.transitions,
      paths: input.paths,
      explainers: this.#links.open(),
      // With localization on, the link under a newly failing path gets as many rounds to be blamed as the
      // path took to fail: a path of a few probes can cross its threshold on noise a round or two before
      // the link's estimate has held for hysteresisRounds.
      graceRounds: input.localization === null ? 0 : input.hysteresisRounds,
    });
    return { changes: [...linkChanges, ...pathChanges], open: this.open() };
  }

  /** Open incidents, newest first. */
  open(): IncidentRecord[] {
    return [...this.#links.open(), ...this.#paths.open()].sort((a, b) => b.openedAtMs - a.openedAtMs || (a.id < b.id ? -1 : 1));
  }
}
