/**
 * monitor/: path states, the round loop behind `pathmon run`, and the view the dashboard reads. This
 * file is the public surface.
 */
export type { PathStateName } from './path-state.js';
export { pathStateNames, stateSeverity } from './path-state.js';
export type { LivePath, MonitorCounters, MonitorUpdate, MonitorView } from './monitor-view.js';
export { PathMonitor, type RoundReport } from './path-monitor.js';
export { systemMonitorClock, type MonitorClock, type MonitorDeps, type MonitorLog, type Planner, type ResultQueue, type RoundRunner } from './monitor-deps.js';
export { evaluateRound, newPathEvaluation, pathGone, pathReturned, resumedPathEvaluation, type PathEvaluation, type EvaluationSettings } from './path-evaluator.js';
export { roundVerdict, type RoundVerdict } from './round-verdict.js';
export { addRttSamples, emptyRttHistogram, rttBucketUpperBoundsMs } from './rtt-histogram.js';
