/**
 * Hand-made topologies and walks for the estimator's tests, and a seeded simulator of one round: links
 * are named `A>B`, walks are node sequences from the prober and back, and figures come either exact
 * (expected counts, for recovery tests) or sampled (binomial loss, noisy delay, for noise tests).
 */
import type { RouteObservation } from '../../../src/localize/index.js';
import { seededRandom } from '../../helpers/seeded-random.js';

/** A small graph with a triangle, a square and a chord, behind the prober's access link P–A. */
export const EDGES: [string, string][] = [
  ['P', 'A'],
  ['A', 'B'],
  ['B', 'C'],
  ['C', 'A'],
  ['A', 'D'],
  ['D', 'B'],
  ['C', 'D'],
];

export const ACCESS_GROUP = { id: 'gaccess', linkKeys: ['A>P', 'P>A'] };

/** Every walk P A <simple cycle through A> A P, in both directions, plus the double crossing of A>B. */
export function handWalks(): { id: string; links: string[] }[] {
  const neighbours = new Map<string, string[]>();
  for (const [a, b] of EDGES) {
    if (a === 'P' || b === 'P') continue;
    neighbours.set(a, [...(neighbours.get(a) ?? []), b]);
    neighbours.set(b, [...(neighbours.get(b) ?? []), a]);
  }
  const cycles: string[][] = [];
  const extend = (path: string[]): void => {
    const last = path[path.length - 1]!;
    for (const next of neighbours.get(last) ?? []) {
      if (next === 'A' && path.length >= 3) cycles.push([...path, 'A']);
      else if (!path.includes(next)) extend([...path, next]);
    }
  };
  extend(['A']);
  const walks = cycles.map((cycle) => nodesToLinks(['P', ...cycle, 'P']));
  walks.push(nodesToLinks(['P', 'A', 'B', 'C', 'A', 'B', 'D', 'A', 'P']));
  return walks.map((links, index) => ({ id: `w${index + 1}`, links }));
}

export function nodesToLinks(nodes: string[]): string[] {
  return nodes.slice(1).map((node, index) => `${nodes[index]}>${node}`);
}

export interface Faults {
  loss?: Record<string, number>;
  delayMs?: Record<string, number>;
}

/** Exact expected figures: received = round(sent × Π x^m), p50 = baseline + Σ added delay. */
export function exactRound(walks: { id: string; links: string[] }[], faults: Faults, sent = 1000): RouteObservation[] {
  return walks.map(({ id, links }) => {
    let success = 1;
    let addedMs = 0;
    for (const link of links) {
      success *= 1 - (faults.loss?.[link] ?? 0);
      addedMs += faults.delayMs?.[link] ?? 0;
    }
    const received = Math.round(sent * success);
    const baseline = 0.2 + 0.05 * links.length;
    return { id, links, sent, received, rttP50Ms: received === 0 ? null : baseline + addedMs, baselineP50Ms: baseline, baselineSpreadMs: 0.01 };
  });
}

export { seededRandom } from '../../helpers/seeded-random.js';

/** A sampled round: binomial loss per probe and link, exponential per-hop delay noise, rare outliers. */
export function noisyRound(walks: { id: string; links: string[] }[], faults: Faults, random: () => number, sent = 100, backgroundLoss = 1e-4): RouteObservation[] {
  return walks.map(({ id, links }) => {
    const rtts: number[] = [];
    const baseline = 0.2 + 0.05 * links.length;
    for (let probe = 0; probe < sent; probe++) {
      let lost = false;
      let rtt = baseline;
      for (const link of links) {
        if (random() < backgroundLoss + (faults.loss?.[link] ?? 0)) lost = true;
        rtt += faults.delayMs?.[link] ?? 0;
      }
      rtt += -0.03 * Math.log(1 - random());
      if (random() < 0.01) rtt += 0.3 + 0.7 * random();
      if (!lost) rtts.push(rtt);
    }
    rtts.sort((a, b) => a - b);
    const p50 = rtts.length === 0 ? null : rtts[Math.ceil(rtts.length / 2) - 1]!;
    return { id, links, sent, received: rtts.length, rttP50Ms: p50, baselineP50Ms: baseline + 0.021, baselineSpreadMs: 0.004 };
  });
}
