/**
 * The live feed on a large fabric: a k=16 and a k=32 fat-tree written out as the ExaBGP JSON lines a
 * BGP-LS session would make ExaBGP print (one line per NLRI: a node NLRI with its node-name per switch,
 * a link NLRI per direction with /31 addresses and metrics, End-of-RIB last), then:
 *
 * - parse-and-apply rate: the lines pushed through ExabgpFeed (what `exabgp:` runs on ExaBGP's output)
 *   in 64 KiB chunks, as the pipe delivers them; NLRIs per second and the heap the graph keeps.
 *   Peers measured in the same run on the same lines: JSON.parse alone (the floor any JSON consumer
 *   pays) and the file path, topologyEventsFromText + buildTopology;
 * - time to re-plan after one withdraw: a Replanner following pod 0 edge 0 -> last pod edge 0 (maxHops
 *   6, every path), one core link direction withdrawn through the feed, the re-plan run at once (no
 *   debounce): from the withdraw line's arrival to the new plan. `pathmon` adds its 200 ms debounce on top.
 *
 * The lines are synthesised here, not printed by a real ExaBGP: the integration tests show real ExaBGP
 * prints this shape, and a benchmark of pathmon should not time ExaBGP's own decoder.
 */
import { buildTopology, topologyEventsFromText, TopologyGraph } from '../../topology/index.js';
import { ExabgpFeed } from '../../src/live/exabgp-feed.js';
import { Replanner } from '../../src/live/replanner.js';
import type { TopologyChange, TopologySource } from '../../src/live/index.js';
import { edgeSwitch, fatTree, type FatTree } from './fat-tree.js';
import type { Benchmark } from './benchmark.js';

const CASES = [16, 32];
const CHUNK_CHARS = 64 * 1024;
const RUNS = 3;
const PEER = '192.0.2.2';

const routerId = (index: number): string => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
const address = (n: number): string => `172.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
const envelope = (counter: number): string =>
  `{ "exabgp": "4.0.1", "time": 1795272939.9936078, "host" : "bench", "pid" : 1, "ppid" : 1, "counter": ${counter}, "type": "update", "neighbor": { "address": { "local": "192.0.2.1", "peer": "${PEER}" }, "asn": { "local": 65002, "peer": 65001 } , "direction": "receive", "message": `;
const descriptors = (index: number): string => `{ "autonomous-system": 65001, "bgp-ls-identifier": "0", "ospf-area-id": "0.0.0.0", "router-id": "${routerId(index)}" }`;

interface Feed {
  lines: string[];
  nlris: number;
  /** The withdraw of one core link direction, as ExaBGP prints it. */
  withdraw: string;
}

function feedLines(tree: FatTree): Feed {
  const index = new Map(tree.switches.map((s, i) => [s.name, i]));
  const lines: string[] = [];
  lines.push(
    `{ "exabgp": "4.0.1", "time": 1795272939.9, "host" : "bench", "pid" : 1, "ppid" : 1, "counter": 0, "type": "state", "neighbor": { "address": { "local": "192.0.2.1", "peer": "${PEER}" }, "asn": { "local": 65002, "peer": 65001 } , "state": "up" } }`,
  );
  tree.switches.forEach((s, i) => {
    lines.push(
      `${envelope(lines.length)}{ "update": { "attribute": { "origin": "igp", "as-path": [ 65001 ], "confederation-path": [], "bgp-ls": { "node-name": "${s.name}", "local-te-router-ids": ["${routerId(i)}"] } }, "announce": { "bgp-ls bgp-ls": { "192.0.2.2": [ { "ls-nlri-type": "bgpls-node", "l3-routing-topology": 0, "protocol-id": 3, "node-descriptors": ${descriptors(i)}, "nexthop": "192.0.2.2" } ] } } } } } }`,
    );
  });
  const linkNlri = (from: number, to: number, local: string, remote: string): string =>
    `{ "ls-nlri-type": "bgpls-link", "l3-routing-topology": 0, "protocol-id": 3, "local-node-descriptors": ${descriptors(from)}, "remote-node-descriptors": ${descriptors(to)}, "interface-address": { "interface-address": "${local}" }, "neighbor-address": { "neighbor-address": "${remote}" } }`;
  let withdraw = '';
  tree.edges.forEach(([a, b], j) => {
    const [ia, ib] = [index.get(a)!, index.get(b)!];
    const [addrA, addrB] = [address(2 * j), address(2 * j + 1)];
    for (const [from, to, local, remote] of [
      [ia, ib, addrA, addrB],
      [ib, ia, addrB, addrA],
    ] as const) {
      lines.push(
        `${envelope(lines.length)}{ "update": { "attribute": { "origin": "igp", "as-path": [ 65001 ], "confederation-path": [], "bgp-ls": { "igp-metric": 10, "te-metric": 10, "maximum-link-bandwidth": 1250000000.0 } }, "announce": { "bgp-ls bgp-ls": { "192.0.2.2": [ ${linkNlri(from, to, local, remote)} ] } } } } } }`,
      );
    }
    // The first agg-to-core link of pod 0: on a share of the paths out of pod 0 edge 0.
    if (withdraw === '' && a.startsWith('pod0-agg') && b.startsWith('core')) {
      withdraw = `${envelope(999_999)}{ "update": { "withdraw": { "bgp-ls bgp-ls": [ ${linkNlri(ia, ib, addrA, addrB)} ] } } } } }`;
    }
  });
  const nlris = lines.length - 1;
  lines.push(`${envelope(lines.length)}{ "eor": { "afi" : "bgp-ls", "safi" : "bgp-ls" } } } }`);
  if (withdraw === '') throw new Error('bench.topologyFeed: no pod0 agg-core link found');
  return { lines, nlris, withdraw };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function timeSeconds(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A TopologySource over a feed the benchmark pushes by hand. */
class PushedSource implements TopologySource {
  readonly graph = new TopologyGraph();
  readonly feed = new ExabgpFeed(this.graph, { nowMs: () => Date.now(), nowNs: () => process.hrtime.bigint() });
  private readonly listeners = new Set<(change: TopologyChange) => void>();
  push(text: string): void {
    const change = this.feed.push(text, process.hrtime.bigint());
    if (change) for (const listener of this.listeners) listener(change);
  }
  status() {
    return { spec: 'bench', freshness: this.feed.freshness(), sessionUp: true, staleSinceMs: null, lastChangeMs: null, skippedLines: 0, restarts: 0 };
  }
  ready() {
    return Promise.resolve();
  }
  onChange(listener: (change: TopologyChange) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  close() {
    return Promise.resolve();
  }
}

function pushAll(source: PushedSource, text: string): void {
  for (let at = 0; at < text.length; at += CHUNK_CHARS) source.push(text.slice(at, at + CHUNK_CHARS));
}

export const benchmark: Benchmark = {
  name: 'topology-feed',
  async run(log) {
    const results: object[] = [];
    for (const k of CASES) {
      const tree = fatTree(k);
      const feed = feedLines(tree);
      const text = `${feed.lines.join('\n')}\n`;
      log(`k=${k} fat-tree: ${tree.switches.length} switches, ${tree.edges.length} links, ${feed.nlris} NLRIs in ${feed.lines.length} lines, ${(text.length / 2 ** 20).toFixed(1)} MiB`);

      // Parse and apply, as the exabgp: source does. The first run warms up and measures memory.
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      const rssBefore = process.memoryUsage().rss;
      let kept: PushedSource | null = new PushedSource();
      pushAll(kept, text);
      gc();
      const retainedHeapBytes = process.memoryUsage().heapUsed - heapBefore;
      const rssDeltaBytes = process.memoryUsage().rss - rssBefore;
      const counters = kept.feed.parser.counters();
      if (counters.skipped > 0 || kept.graph.graph.size !== 2 * tree.edges.length || kept.feed.freshness() !== 'live') {
        throw new Error(`bench.topologyFeed: feed applied wrongly: ${counters.skipped} skipped, ${kept.graph.graph.size} links, ${kept.feed.freshness()}`);
      }
      kept = null;
      const applySeconds: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        gc();
        applySeconds.push(timeSeconds(() => pushAll(new PushedSource(), text)));
      }
      const jsonSeconds: number[] = [];
      const fileSeconds: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        gc();
        jsonSeconds.push(timeSeconds(() => feed.lines.forEach((line) => JSON.parse(line))));
        gc();
        fileSeconds.push(timeSeconds(() => buildTopology(topologyEventsFromText(text, 'bench').events)));
      }
      const apply = median(applySeconds);
      log(
        `  parse+apply (ExabgpFeed, 64 KiB chunks): ${(feed.nlris / apply).toFixed(0)} NLRIs/s (${(apply * 1000).toFixed(0)} ms), heap kept ${(retainedHeapBytes / 2 ** 20).toFixed(1)} MiB, RSS +${(rssDeltaBytes / 2 ** 20).toFixed(1)} MiB`,
      );
      log(
        `  peer JSON.parse alone: ${(feed.nlris / median(jsonSeconds)).toFixed(0)} lines/s (${(median(jsonSeconds) * 1000).toFixed(0)} ms); file path (topologyEventsFromText + buildTopology): ${(median(fileSeconds) * 1000).toFixed(0)} ms`,
      );

      // One withdraw, then the re-plan.
      const source = new PushedSource();
      pushAll(source, text);
      const target = { group: 'bench', from: edgeSwitch(0, 0), to: edgeSwitch(k - 1, 0), bounds: { maxHops: 6, maxPaths: Number.MAX_SAFE_INTEGER }, mode: 'loop' as const };
      const replanner = new Replanner(source, [target], { debounceMs: 0 });
      let firstPlanMs = 0;
      const first = (() => {
        const start = process.hrtime.bigint();
        const diff = replanner.start();
        firstPlanMs = Number(process.hrtime.bigint() - start) / 1e6;
        return diff;
      })();
      source.push(`${feed.withdraw}\n`);
      const diff = replanner.flush();
      replanner.close();
      if (!diff || diff.replanMs === null) throw new Error('bench.topologyFeed: the withdraw caused no re-plan');
      log(
        `  first plan: ${first.added.length} paths in ${firstPlanMs.toFixed(0)} ms; after one withdraw: ${diff.gone.length} gone, ${diff.kept.length} kept, re-planned in ${diff.replanMs.toFixed(1)} ms from the withdraw's arrival (compute ${diff.computeMs?.toFixed(1)} ms; + 200 ms debounce in pathmon)`,
      );
      results.push({
        k,
        switches: tree.switches.length,
        links: tree.edges.length,
        nlris: feed.nlris,
        feedBytes: text.length,
        parseApply: { medianSeconds: apply, runs: applySeconds, nlrisPerSecond: feed.nlris / apply, retainedHeapBytes, rssDeltaBytes },
        peers: { jsonParseMedianSeconds: median(jsonSeconds), fileBuildMedianSeconds: median(fileSeconds) },
        replan: { paths: first.added.length, firstPlanMs, gone: diff.gone.length, kept: diff.kept.length, replanMs: diff.replanMs, computeMs: diff.computeMs, debounceMsInPathmon: 200 },
      });
    }
    log('note: measured on a shared 2-core machine while other engineers build and test; expect noise');
    return { measuredAt: new Date().toISOString(), chunkChars: CHUNK_CHARS, runs: RUNS, cases: results };
  },
};
