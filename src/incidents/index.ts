/**
 * incidents/: what tickets, mails, the map and /metrics hang off. Link and group incidents from the
 * per-link estimates, path incidents for failures no link incident explains, and the desk the monitor
 * calls once a round. Pure code: no I/O, no clock. This file is the whole public surface.
 */
export type { IncidentChange, IncidentChangeKind, IncidentKind, IncidentRecord, IncidentSubject } from './incident.js';
export { incidentKindSeverity } from './incident.js';
export { IncidentError, type IncidentErrorCode } from './incident-error.js';
export { IncidentDesk, type DeskRound, type DeskRoundInput } from './incident-desk.js';
export { LinkIncidentEvaluator, type LinkIncidentOptions, type LinkRoundInput, type LinkThresholds } from './link-incident-evaluator.js';
export { PathIncidents, pathLabel, type PathRoundInput, type PathTransitionInput } from './path-incidents.js';
export { explainedPathIds, type PathStatus } from './explained-paths.js';
export { LinkSubjects, groupSubjectKey, incidentLinks, linkSubjectKey, reverseKey, type IncidentGroup, type IncidentLink, type PhysicalLink } from './link-subjects.js';
export { formatMs, formatPct, linkSummary } from './incident-format.js';
