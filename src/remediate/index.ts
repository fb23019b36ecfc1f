/**
 * src/remediate/: device events and incident changes in, actions out. Correlation with the topology and
 * open incidents, rules with de-duplication and throttling, a bounded worker pool whose runs are stored
 * (QUEUED → RUNNING → SUCCESS / FAILURE / TIMEOUT), and the link isolation workflow tracked through its
 * ticket. This file is the public surface.
 */
export { remediationConfigSchema, type RemediationConfig, type RuleConfig, type ActionConfig, type IsolateConfig } from './remediation-config-schema.js';
export { startRemediation, remediationConfigProblems, type Remediation, type StartRemediationOptions } from './start-remediation.js';
export { LinkHealth, type LinkHealthy, type LinkHealthOptions } from './link-health.js';
export { EventCorrelator, type Correlation, type CorrelatorSources } from './event-correlator.js';
export { actionRuns, incidentEvents, runCounts, type ActionRun, type IncidentEvent, type RunState, type RunFilter } from './action-run-queries.js';
export { isolations, type IsolationRecord, type IsolationState } from './isolation-queries.js';
export type { EventOutcome, EngineStats } from './remediation-engine.js';
export type { PoolStats } from './action-pool.js';
export { listRuns, runWithOutput, runStatesOfEvents, LISTED_OUTPUT_CHARS, type ListedRun, type RunListFilter } from './run-listing.js';
export { linkCounts } from './link-event-counts.js';
