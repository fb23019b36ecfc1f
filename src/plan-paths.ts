/**
 * The probe plan for one endpoint pair: every simple path within the bounds, each resolved into the hop
 * addresses its probes are built from. A path that cannot be addressed (an unnumbered link, a missing
 * reverse direction in loop mode) stays in the plan with the reason, so it is reported rather than
 * silently left unprobed.
 */
import { allProbePaths, pathHops, TopologyError, type PathBounds, type PathHops, type ProbePath, type ReturnMode, type TopologyGraph } from '../topology/index.js';

export interface PlannedPath {
  path: ProbePath;
  hops?: PathHops;
  unaddressable?: string;
}

export interface ProbePlan {
  planned: PlannedPath[];
  totalWithinHops: number;
}

export function planPaths(topology: TopologyGraph, from: string, to: string, bounds: PathBounds, mode: ReturnMode): ProbePlan {
  const { paths, totalWithinHops } = allProbePaths(topology, from, to, bounds);
  const planned = paths.map((path): PlannedPath => {
    try {
      return { path, hops: pathHops(topology, path, mode) };
    } catch (error) {
      if (error instanceof TopologyError && error.code === 'unaddressable-path') return { path, unaddressable: error.message };
      throw error;
    }
  });
  return { planned, totalWithinHops };
}
