/**
 * The incident evaluator: this round's link estimates and path transitions in, incident changes out,
 * through the incident desk (link and group incidents first, then path incidents for the failures no
 * link incident explains). It reads the topology as it is now, so a withdrawn link resolves its
 * incident instead of failing, and the paths' states after this round, for what each incident explains.
 */
import type { LinkGroup, TopologyGraph } from '../../topology/index.js';
import { IncidentDesk, incidentLinks, type IncidentRecord, type LinkIncidentOptions, type LinkThresholds, type PathStatus } from '../incidents/index.js';
import type { ResumingEvaluator } from './monitor-deps.js';
import type { RoundFindings } from './round-evaluator.js';
import type { RoundOutcome } from './round-outcome.js';

export interface IncidentEvaluatorOptions extends LinkIncidentOptions {
  graph: () => TopologyGraph;
  groups: () => readonly LinkGroup[];
  /** Every monitored user path and its state after this round's transitions. */
  paths: () => readonly PathStatus[];
  thresholds: LinkThresholds;
  hysteresisRounds: number;
}

export class IncidentEvaluator implements ResumingEvaluator {
  readonly name = 'incidents';
  private readonly desk: IncidentDesk;

  constructor(private readonly options: IncidentEvaluatorOptions) {
    const { graph: _graph, groups: _groups, paths: _paths, thresholds: _thresholds, hysteresisRounds: _rounds, ...deskOptions } = options;
    this.desk = new IncidentDesk(deskOptions);
  }

  resume(open: IncidentRecord[]): void {
    this.desk.resume(open);
  }

  open(): IncidentRecord[] {
    return this.desk.open();
  }

  evaluate(outcome: RoundOutcome, findings: RoundFindings): void {
    const { changes } = this.desk.round({
      atMs: outcome.atMs,
      hysteresisRounds: this.options.hysteresisRounds,
      localization:
        findings.estimates === null
          ? null
          : {
              estimates: findings.estimates.estimates,
              links: incidentLinks(this.options.graph()),
              groups: this.options.groups(),
              thresholds: this.options.thresholds,
            },
      transitions: findings.transitions,
      paths: this.options.paths(),
    });
    findings.incidentChanges.push(...changes);
  }
}
