/**
 * topology/: routing data in, path answers out. Pure code over data passed in: no sockets, no database,
 * no timers. This file is the whole public surface.
 */
export type { NodeKind, TopologyEvent, TopologyLink, TopologyNode } from './model.js';
export { TopologyError, type TopologyErrorCode } from './errors.js';
export { TopologyGraph, buildTopology, type SessionState } from './graph.js';
export { allProbePaths, probePath, pathId, defaultPathBounds, type PathBounds, type PathSet, type ProbePath } from './paths.js';
export { igpCost, cheapestIndexes } from './igp-cost.js';
export { pathHops, probedLinks, type PathHops, type ReturnMode } from './hop-addresses.js';
export * from './sources/index.js';
export {
  hostDeclarationProblems,
  hostLinks,
  hostNode,
  hostPlacement,
  routerAddressFor,
  type HostDeclaration,
  type HostDeclarationProblem,
  type HostPlacement,
} from './host-attachment.js';
export { walkFromLinks, walkHops, walkId, BYTES_PER_LEG, type Walk } from './walk.js';
export type { LinkCoverOptions, LinkCoverPlan, LinkGroup } from './link-cover.js';
export { planLinkCover, defaultLinkCover } from './link-cover-planner.js';
