/**
 * src/live: the topology as it changes. A `--topology` spec opens a TopologySource (a file read once,
 * or ExaBGP run and supervised as a child process), and a Replanner turns its changes into plan diffs.
 * This file is the folder's public surface.
 */
export type { TopologyChange, TopologyFreshness, TopologySource, TopologySourceStatus } from './topology-source.js';
export type { GroupedPath, PlanDiff, PlanTarget } from './plan-diff.js';
export type { GraphChange } from './graph-changes.js';
export { openTopologySource, parseTopologySpec, type OpenTopologyOptions, type ParsedTopologySpec } from './open-topology-source.js';
export { StaticTopologySource } from './static-source.js';
export { ExabgpTopologySource, type ExabgpSourceOptions } from './exabgp-source.js';
export { buildExabgpConfig, type ExabgpConfig, type ExabgpNeighborInfo } from './exabgp-config.js';
export { Replanner, type ReplannerOptions, type ReplanStats } from './replanner.js';
export { WalkReplanner, type WalkReplannerOptions } from './walk-replanner.js';
export type { PlannedWalk, WalkPlanDiff } from './walk-plan-diff.js';
export { TopologySourceError, type TopologySourceErrorCode } from './errors.js';
export { systemTimers, type LiveTimers } from './timers.js';
export { freshnessJson, graphJson, linkJson, nodeJson, pathJson, untilAborted, watchLine, type LinkJson, type NodeJson, type WatchLine } from './watch-output.js';
export { HostAttacher, type HostReconcile, type HostState, type HostStatus } from './host-attacher.js';
export { HostAttachedSource, type HostAttachedOptions } from './host-attached-source.js';
export { collectHostArgument, parseHostArgument } from './host-argument.js';
