/**
 * monitor/: path states, the round loop behind `pathmon run`, and the view the dashboard reads. This
 * file is the public surface.
 */
export type { PathStateName } from './path-state.js';
export { pathStateNames, stateSeverity } from './path-state.js';
export type { LiveLink, LivePath, LivePlan, MonitorCounters, MonitorUpdate, MonitorView } from './monitor-view.js';
export type { RouteOutcome, RoundOutcome } from './round-outcome.js';
export { emptyFindings, type RoundEvaluator, type RoundFindings } from './round-evaluator.js';
export type { PathTransition } from './path-transition.js';
export { PathStateEvaluator } from './path-state-evaluator.js';
export { LinkEstimateEvaluator } from './link-estimate-evaluator.js';
export { IncidentEvaluator, type IncidentEvaluatorOptions } from './incident-evaluator.js';
export { liveLinks, directedLinkLabel } from './live-links.js';
export { PathMonitor, type RoundReport } from './path-monitor.js';
export {
  systemMonitorClock,
  type MonitorClock,
  type MonitorDeps,
  type MonitorLog,
  type Planner,
  type ResultQueue,
  type ResumingEvaluator,
  type RoundRunner,
  type WalkPlanner,
} from './monitor-deps.js';
export { evaluateRound, newPathEvaluation, pathGone, pathReturned, resumedPathEvaluation, type PathEvaluation, type EvaluationSettings } from './path-evaluator.js';
export { roundVerdict, type RoundVerdict } from './round-verdict.js';
export { addRttSamples, emptyRttHistogram, rttBucketUpperBoundsMs } from './rtt-histogram.js';
