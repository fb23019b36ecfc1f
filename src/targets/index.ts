/**
 * targets/: ICMP, TCP and UDP targets as monitored routes: the `--targets FILE` shapes (the telemetry
 * seed's targets.yaml and pathmon's own list), each target's id, name and settings, DNS resolution
 * each round, and the rounds run through the probe kinds. This file is the public surface.
 */
export { loadTargetsFile, parseTargetsFile } from './targets-file.js';
export { targetRoute, targetRouteId, targetRoutes, type TargetDefaults, type TargetRoute } from './target-route.js';
export { resolveHosts, systemHostResolver, type HostResolver, type Resolution } from './host-resolver.js';
export { lostRound, type TargetRoundOutput, type TargetRouteResult } from './target-round-result.js';
export { ProberTargetRounds, type ProberTargetRoundsOptions } from './prober-target-rounds.js';
export { mergeTargetGroups } from './merge-target-groups.js';
export { targetGroupsForRun } from './run-target-groups.js';
