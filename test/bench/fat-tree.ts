/**
 * A k-ary fat-tree (Al-Fares et al., SIGCOMM 2008) as a plain list of named switches and undirected
 * edges. Benchmarks give this one edge list to every contender (pathmon's event builder, NetworkX's
 * `Graph`), so no two implementations can disagree about the graph they were timed on.
 *
 * Layout: k pods, each with k/2 edge and k/2 aggregation switches in a full mesh; (k/2)^2 core
 * switches, where aggregation switch j of every pod connects to cores j*(k/2) .. j*(k/2) + k/2 - 1.
 */

export type FatTreeLayer = 'core' | 'agg' | 'edge';

export interface FatTreeSwitch {
  name: string;
  layer: FatTreeLayer;
  /** Absent for core switches, which belong to no pod. */
  pod?: number;
}

export interface FatTree {
  k: number;
  switches: FatTreeSwitch[];
  /** Each physical link once, as [switch name, switch name]. */
  edges: [string, string][];
}

export const coreSwitch = (index: number): string => `core${index}`;
export const aggSwitch = (pod: number, index: number): string => `pod${pod}-agg${index}`;
export const edgeSwitch = (pod: number, index: number): string => `pod${pod}-edge${index}`;

export function fatTree(k: number): FatTree {
  if (!Number.isInteger(k) || k < 2 || k % 2 !== 0) {
    throw new Error(`bench.fatTree: k must be an even whole number of at least 2, got ${k}`);
  }
  const half = k / 2;
  const switches: FatTreeSwitch[] = [];
  const edges: [string, string][] = [];
  for (let core = 0; core < half * half; core++) switches.push({ name: coreSwitch(core), layer: 'core' });
  for (let pod = 0; pod < k; pod++) {
    for (let i = 0; i < half; i++) switches.push({ name: aggSwitch(pod, i), layer: 'agg', pod });
    for (let i = 0; i < half; i++) switches.push({ name: edgeSwitch(pod, i), layer: 'edge', pod });
    for (let edge = 0; edge < half; edge++) {
      for (let agg = 0; agg < half; agg++) edges.push([edgeSwitch(pod, edge), aggSwitch(pod, agg)]);
    }
    for (let agg = 0; agg < half; agg++) {
      for (let c = 0; c < half; c++) edges.push([aggSwitch(pod, agg), coreSwitch(agg * half + c)]);
    }
  }
  return { k, switches, edges };
}
