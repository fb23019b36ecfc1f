/**
 * Whether the probes say a link is healthy now: what the isolation workflow asks after the restore
 * command, so a link is handed back on evidence, not on the ticket's word. Fed by the monitor's round
 * outcomes (subscribe `observe` to PathMonitor.onRoundOutcome).
 *
 * A directed link is healthy when, for the last `healthyRounds` rounds in a row, some route crossing it
 * got probes back, the estimator (when localization runs) put neither loss nor "down" on it, and no
 * open incident blames it. Asked about both directions, both must be.
 */
import type { RoundFindings } from '../monitor/round-evaluator.js';
import type { RoundOutcome } from '../monitor/round-outcome.js';
import type { IncidentRecord } from '../incidents/incident.js';

export type LinkHealthy = (linkKeys: readonly string[]) => boolean | Promise<boolean>;

export interface LinkHealthOptions {
  /** Clean rounds in a row before a link counts as healthy (default 3). */
  healthyRounds?: number;
  /** Estimated loss at or above this is not healthy (default 0.01). */
  maxLossRatio?: number;
  /** Incidents open when observation starts (a restarted monitor's). */
  openIncidents?: readonly IncidentRecord[];
}

export class LinkHealth {
  readonly #healthyRounds: number;
  readonly #maxLossRatio: number;
  /** Directed link key → clean rounds in a row. */
  readonly #streak = new Map<string, number>();
  /** Incident id → the directed keys it blames. */
  readonly #blamed = new Map<string, string[]>();

  constructor(options: LinkHealthOptions = {}) {
    this.#healthyRounds = options.healthyRounds ?? 3;
    this.#maxLossRatio = options.maxLossRatio ?? 0.01;
    for (const incident of options.openIncidents ?? []) this.#track(incident);
  }

  observe(outcome: RoundOutcome, findings: RoundFindings): void {
    for (const change of findings.incidentChanges) this.#track(change.incident);
    const bad = new Set<string>();
    for (const estimate of findings.estimates?.estimates ?? []) {
      if (estimate.down || estimate.lossRatio >= this.#maxLossRatio) {
        for (const key of estimate.subject.kind === 'link' ? [estimate.subject.linkKey] : estimate.subject.linkKeys) bad.add(key);
      }
    }
    const crossed = new Set<string>();
    const failing = new Set<string>();
    for (const route of outcome.routes) {
      if (route.stats.sent === 0) continue;
      for (const key of route.linkKeys) {
        if (route.stats.received > 0) crossed.add(key);
        // Without an estimator, a route that lost everything puts every link it crossed in doubt.
        else if (findings.estimates === null) failing.add(key);
      }
    }
    for (const key of new Set([...crossed, ...failing, ...this.#streak.keys()])) {
      const clean = crossed.has(key) && !bad.has(key) && !failing.has(key) && !this.#isBlamed(key);
      this.#streak.set(key, clean ? (this.#streak.get(key) ?? 0) + 1 : 0);
    }
  }

  healthy(linkKeys: readonly string[]): boolean {
    return linkKeys.length > 0 && linkKeys.every((key) => (this.#streak.get(key) ?? 0) >= this.#healthyRounds && !this.#isBlamed(key));
  }

  #track(incident: IncidentRecord): void {
    if (incident.state !== 'open' || incident.subject.kind === 'path') this.#blamed.delete(incident.id);
    else this.#blamed.set(incident.id, incident.subject.linkKeys);
  }

  #isBlamed(key: string): boolean {
    for (const keys of this.#blamed.values()) if (keys.includes(key)) return true;
    return false;
  }
}
