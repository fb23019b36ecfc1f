/**
 * A round of cover-walk probing, simulated with the noise the lab shows: every probe crosses each link
 * of its walk and is lost there with the link's loss (healthy links 0.01 %, a faulty one its fault), so
 * a walk's received count is binomial; each delivered probe's RTT is the walk's fixed cost (per-link
 * forwarding, 20-60 µs a hop, plus the host) plus any added fault delay plus exponential noise with a
 * 30 µs mean, and 1 % of probes get a 0.3-1 ms outlier. Seeded, so every run sees the same rounds.
 */
import type { RouteObservation } from '../../../src/localize/index.js';
import { seededRandom } from '../../helpers/seeded-random.js';

export const BACKGROUND_LOSS = 1e-4;
const NOISE_MEAN_MS = 0.03;
const OUTLIER_SHARE = 0.01;
const HOST_COST_MS = 0.08;

export { seededRandom } from '../../helpers/seeded-random.js';

export interface SimRoutes {
  ids: string[];
  links: string[][];
  /** Link index per crossing, per route. */
  linkIndex: Int32Array[];
  linkKeys: string[];
  /** Fixed forwarding cost per link, ms. */
  linkCostMs: Float64Array;
}

export function simRoutes(walks: { id: string; links: { key: string }[] }[], random: () => number): SimRoutes {
  const index = new Map<string, number>();
  const linkKeys: string[] = [];
  const linkIndex = walks.map((walk) =>
    Int32Array.from(walk.links, (link) => {
      let i = index.get(link.key);
      if (i === undefined) {
        i = linkKeys.length;
        index.set(link.key, i);
        linkKeys.push(link.key);
      }
      return i;
    }),
  );
  const linkCostMs = Float64Array.from(linkKeys, () => 0.02 + 0.04 * random());
  return { ids: walks.map((w) => w.id), links: walks.map((w) => w.links.map((l) => l.key)), linkIndex, linkKeys, linkCostMs };
}

export interface Fault {
  link: number;
  kind: 'loss' | 'delay';
  /** Loss ratio 0..1, or added one-way delay in ms. */
  size: number;
}

export interface SimRound {
  sent: Int32Array;
  received: Int32Array;
  /** NaN when nothing came back. */
  p50Ms: Float64Array;
}

export function simulateRound(routes: SimRoutes, faults: readonly Fault[], probes: number, random: () => number): SimRound {
  const count = routes.ids.length;
  const lossOf = new Map<number, number>();
  const delayOf = new Map<number, number>();
  for (const f of faults) (f.kind === 'loss' ? lossOf : delayOf).set(f.link, f.size);
  const sent = new Int32Array(count).fill(probes);
  const received = new Int32Array(count);
  const p50Ms = new Float64Array(count);
  const samples = new Float64Array(probes);
  for (let r = 0; r < count; r++) {
    let success = 1;
    let fixed = HOST_COST_MS;
    for (const l of routes.linkIndex[r]!) {
      success *= 1 - BACKGROUND_LOSS - (lossOf.get(l) ?? 0);
      fixed += routes.linkCostMs[l]! + (delayOf.get(l) ?? 0);
    }
    let got = 0;
    for (let p = 0; p < probes; p++) {
      if (random() >= success) continue;
      let rtt = fixed - NOISE_MEAN_MS * Math.log(1 - random());
      if (random() < OUTLIER_SHARE) rtt += 0.3 + 0.7 * random();
      samples[got++] = rtt;
    }
    received[r] = got;
    if (got === 0) {
      p50Ms[r] = Number.NaN;
      continue;
    }
    const sorted = samples.subarray(0, got).sort();
    p50Ms[r] = sorted[Math.ceil(got / 2) - 1]!;
  }
  return { sent, received, p50Ms };
}

export function observationsOf(routes: SimRoutes, round: SimRound, baseline: (r: number) => { p50Ms: number; spreadMs: number } | null): RouteObservation[] {
  return routes.ids.map((id, r) => {
    const b = baseline(r);
    return {
      id,
      links: routes.links[r]!,
      sent: round.sent[r]!,
      received: round.received[r]!,
      rttP50Ms: Number.isNaN(round.p50Ms[r]!) ? null : round.p50Ms[r]!,
      baselineP50Ms: b?.p50Ms ?? null,
      baselineSpreadMs: b?.spreadMs ?? null,
    };
  });
}
