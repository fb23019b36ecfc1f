/**
 * Probe templates kept from one run of the engine to the next, one per route, so a monitor that probes
 * the same routes every round encodes each probe (and parses its addresses) once, not once a round.
 * Building templates was 60 % of a round's engine CPU and most of its garbage; with this cache a
 * round of 20,000 routes x 2 probes took 72 ms of CPU instead of 925, 100,000 routes 305 ms instead of
 * 4.5 s (test/bench/monitor-scale.bench.ts, results/monitor-scale.json).
 *
 * A route is known by its addressing (source, return address, TTL, hops), written as one string key:
 * two routes with the same key get byte-identical probes apart from the session and path id, which
 * `ProbeTemplate.reidentify` rewrites each run. Building and hashing that string for 100,000 routes
 * took ~190 ms a run, so a route whose `hops` array is the one seen last time is found by that array's
 * identity first, and confirmed by comparing its fields with the copy kept (pointer-equal strings
 * compare at once), which also catches an array changed in place. The port and signer are the same for
 * every route, so a change of either empties the cache rather than being part of every key. Only
 * well-formed addressing (strings, a TTL number) gets a key; anything else is built afresh, so its error
 * is the encoder's.
 *
 * A template not used by the last `keepUnusedRuns` runs is dropped: the monitor probes paths and walks
 * in separate runs, so a route must survive at least one run that did not name it, and memory stays
 * bounded by the routes probed recently. The same route twice in one run gets two templates, since
 * both are in flight at once.
 */
import type { ProbeSigner } from '../auth/probe-hmac.js';
import { ProbeTemplate, type ProbeAddressing } from '../nested-gre.js';

export type CachedAddressing = Omit<ProbeAddressing, 'sourcePort' | 'destinationPort'>;

export interface TemplateCacheOptions {
  /** Drop a template once this many runs in a row have not used it. Default 4. */
  keepUnusedRuns?: number;
}

/** What one `templatesFor` call did, for benchmarks and logs. */
export interface TemplateRunCounts {
  reused: number;
  built: number;
  evicted: number;
}

interface Entry {
  template: ProbeTemplate;
  lastRun: number;
  source: string;
  returnAddress: string;
  ttl: number;
  /** A copy of the hops the template was built for. */
  hops: string[];
  /** The caller's hops array it was last found by. */
  seenHops: readonly string[];
}

export class ProbeTemplateCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byHopsArray = new WeakMap<readonly string[], Entry>();
  private readonly keepUnusedRuns: number;
  private run = 0;
  private pendingKey = '';
  private port: number | undefined;
  private signer: ProbeSigner | undefined;
  lastRun: TemplateRunCounts = { reused: 0, built: 0, evicted: 0 };

  constructor(options: TemplateCacheOptions = {}) {
    const keep = options.keepUnusedRuns ?? 4;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new RangeError(`probes.ProbeTemplateCache: keepUnusedRuns must be a whole number of at least 1, got ${String(keep)}`);
    }
    this.keepUnusedRuns = keep;
  }

  /** Templates held now. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * One template per route, in order, each carrying `sessionId` and its index as path id, with `port`
   * as both UDP ports and signed by `signer` when given. Throws the encoder's error for a route that
   * cannot be encoded, before any template of this run is handed out.
   */
  templatesFor(routes: readonly CachedAddressing[], sessionId: number, port: number, signer?: ProbeSigner): ProbeTemplate[] {
    if (port !== this.port || signer !== this.signer) {
      this.clear();
      this.port = port;
      this.signer = signer;
    }
    const run = ++this.run;
    const counts: TemplateRunCounts = { reused: 0, built: 0, evicted: 0 };
    const templates = new Array<ProbeTemplate>(routes.length);
    let kept = 0;
    for (let pathId = 0; pathId < routes.length; pathId++) {
      const route = routes[pathId]!;
      let entry = Array.isArray(route.hops) ? this.byHopsArray.get(route.hops) : undefined;
      if (entry === undefined || entry.lastRun === run || !sameAddressing(entry, route)) {
        const byKey = this.entryByKey(route, run);
        if (byKey === null) {
          templates[pathId] = newTemplate(route, sessionId, pathId, port, signer);
          counts.built++;
          continue;
        }
        entry = byKey;
        if (entry !== undefined) {
          entry.seenHops = route.hops;
          this.byHopsArray.set(route.hops, entry);
        }
      }
      if (entry === undefined) {
        entry = this.add(route, newTemplate(route, sessionId, pathId, port, signer));
        counts.built++;
      } else {
        entry.template.reidentify(sessionId, pathId);
        counts.reused++;
      }
      entry.lastRun = run;
      kept++;
      templates[pathId] = entry.template;
    }
    // Every kept template used this run means none to drop: skip the walk over 100,000 entries.
    if (this.entries.size > kept) {
      for (const [key, entry] of this.entries) {
        if (run - entry.lastRun < this.keepUnusedRuns) continue;
        this.entries.delete(key);
        if (this.byHopsArray.get(entry.seenHops) === entry) this.byHopsArray.delete(entry.seenHops);
        counts.evicted++;
      }
    }
    this.lastRun = counts;
    return templates;
  }

  /**
   * The entry kept under the route's string key that this run has not used yet; undefined when there
   * is none (the key to add it under is left in `pendingKey`), null when the route is not well-formed
   * enough for a key.
   */
  private entryByKey(route: CachedAddressing, run: number): Entry | undefined | null {
    const key = routeKey(route);
    if (key === null) return null;
    let slotKey = key;
    let entry = this.entries.get(slotKey);
    for (let copy = 1; entry !== undefined && entry.lastRun === run; copy++) entry = this.entries.get((slotKey = `${key}#${copy}`));
    this.pendingKey = slotKey;
    return entry;
  }

  /** Keeps a new template under the key `entryByKey` just found free. */
  private add(route: CachedAddressing, template: ProbeTemplate): Entry {
    const entry: Entry = {
      template,
      lastRun: 0,
      source: route.source,
      returnAddress: route.returnAddress,
      ttl: route.ttl ?? 64,
      hops: [...route.hops],
      seenHops: route.hops,
    };
    this.entries.set(this.pendingKey, entry);
    this.byHopsArray.set(route.hops, entry);
    return entry;
  }

  clear(): void {
    for (const entry of this.entries.values()) this.byHopsArray.delete(entry.seenHops);
    this.entries.clear();
  }
}

function newTemplate(route: CachedAddressing, sessionId: number, pathId: number, port: number, signer: ProbeSigner | undefined): ProbeTemplate {
  return new ProbeTemplate({ ...route, sourcePort: port, destinationPort: port }, { sessionId, pathId }, { signer });
}

function sameAddressing(entry: Entry, route: CachedAddressing): boolean {
  const { hops } = route;
  if (entry.source !== route.source || entry.returnAddress !== route.returnAddress || entry.ttl !== (route.ttl ?? 64) || entry.hops.length !== hops.length) return false;
  for (let i = 0; i < hops.length; i++) if (entry.hops[i] !== hops[i]) return false;
  return true;
}

/** The route's key, or null when its fields are not the types a valid addressing has. */
function routeKey(route: CachedAddressing): string | null {
  const { source, returnAddress, hops, ttl } = route;
  if (typeof source !== 'string' || typeof returnAddress !== 'string' || !Array.isArray(hops) || (ttl !== undefined && typeof ttl !== 'number')) return null;
  for (const hop of hops) if (typeof hop !== 'string') return null;
  // One join gives a flat string; `+=` would keep a chain of cons-string nodes alive in the map.
  return [source, returnAddress, ttl ?? 64, ...hops].join('>');
}
