/**
 * Routes as the monitor hands them to the engine, made up but shaped like a fat-tree's cover walks and
 * paths: one prober address, 2 to 8 hops each drawn from a pool of router addresses (strings shared
 * between routes, as a plan's are), every route distinct. Seeded, so two runs probe the same routes.
 */
import type { PathAddressing } from '../../../probes/index.js';
import { seededRandom as generator } from '../../helpers/seeded-random.js';

const PROBER = '10.255.0.1';
const POOL = 4096;
const MIN_HOPS = 2;
const MAX_HOPS = 8;

export function syntheticRoutes(count: number, seed = 1): PathAddressing[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`bench.syntheticRoutes: count must be a whole number, got ${count}`);
  const pool = Array.from({ length: POOL }, (_, i) => `10.${i >> 8}.${i & 255}.1`);
  const random = generator(seed);
  const seen = new Set<string>();
  const routes: PathAddressing[] = [];
  while (routes.length < count) {
    const length = MIN_HOPS + Math.floor(random() * (MAX_HOPS - MIN_HOPS + 1));
    const hops = Array.from({ length }, () => pool[Math.floor(random() * POOL)]!);
    const key = hops.join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ source: PROBER, hops, returnAddress: PROBER });
  }
  return routes;
}
