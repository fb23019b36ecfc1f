/**
 * Which live agent should run each work item: rendezvous (highest random weight) hashing over the agents
 * eligible for it. Every agent computes the same answer from the same list of live agents, with no
 * coordinator; targets spread evenly; when an agent leaves, only its items move (each to the next-best
 * agent), and when it returns exactly those items come back to it.
 */
import type { ProbeKind } from './agent-identity.js';

export interface EligibleAgent {
  agentId: string;
  node: string | null;
  targetGroups: readonly string[];
  probeKinds: readonly ProbeKind[];
}

export interface WorkKey {
  routeId: string;
  kind: 'path' | 'walk' | 'target';
  sourceNode: string | null;
  targetGroup: string | null;
  probeKind: ProbeKind;
}

/** Can this agent run this item at all: stand on its node (paths, walks), or serve its group (targets), with the probe kind. */
export function canRun(agent: EligibleAgent, item: WorkKey): boolean {
  if (!agent.probeKinds.includes(item.probeKind)) return false;
  if (item.kind === 'target') return item.targetGroup !== null && agent.targetGroups.includes(item.targetGroup);
  return agent.node !== null && agent.node === item.sourceNode;
}

/** A string's 32-bit FNV-1a hash, finished with murmur3's mixer (so similar ids land far apart). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

function mix32(value: number): number {
  let h = value;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// Agent ids are few and repeat for every item: hashed once. The weight of (agent, route) mixes the two
// hashes: cheap enough for every agent to weigh thousands of routes against a hundred agents each report.
const agentHashes = new Map<string, number>();
function agentHash(agentId: string): number {
  let h = agentHashes.get(agentId);
  if (h === undefined) {
    h = hash32(agentId);
    if (agentHashes.size > 100_000) agentHashes.clear();
    agentHashes.set(agentId, h);
  }
  return h;
}

/** The agent that should hold `item` among `agents`, or null when none can run it (unmonitored). */
export function preferredAgent(item: WorkKey, agents: readonly EligibleAgent[]): string | null {
  return rankedAgents(item, agents)[0];
}

/**
 * The two agents that should hold `item`, best first: the second is who takes it if the first leaves
 * (rendezvous: removing an agent never reorders the others). Null where there are not that many.
 * One pass, as cheap as finding the first alone, so every rebalance also learns whose expiry would
 * hand this agent work.
 */
export function rankedAgents(item: WorkKey, agents: readonly EligibleAgent[]): [string | null, string | null] {
  let best: string | null = null;
  let bestWeight = -1;
  let second: string | null = null;
  let secondWeight = -1;
  const routeHash = hash32(item.routeId);
  for (const agent of agents) {
    if (!canRun(agent, item)) continue;
    const w = mix32(agentHash(agent.agentId) ^ Math.imul(routeHash, 0x9e3779b1));
    // Ties (equal weights) go to the smaller id, so every agent ranks alike.
    if (best === null || w > bestWeight || (w === bestWeight && agent.agentId < best)) {
      second = best;
      secondWeight = bestWeight;
      best = agent.agentId;
      bestWeight = w;
    } else if (second === null || w > secondWeight || (w === secondWeight && agent.agentId < second)) {
      second = agent.agentId;
      secondWeight = w;
    }
  }
  return [best, second];
}
