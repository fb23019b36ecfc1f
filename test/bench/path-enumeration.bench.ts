/**
 * Path enumeration, pathmon against NetworkX, on the same fat-trees in the same run. The goal:
 * `allProbePaths` (what `pathmon paths` runs) at least 5x faster than `networkx.all_simple_paths`.
 *
 * Both sides get one edge list from fat-tree.ts. pathmon's graph is built the way every source builds
 * it, from TopologyEvents (a node-up per switch, a link-up per direction with /31 addresses), and
 * NetworkX's by networkx_paths.py from the same list. NetworkX's `cutoff` and pathmon's `maxHops` both
 * count links, so the path counts must match exactly; a mismatch throws, because a speedup over a
 * different answer means nothing. graphology-simple-path's edge-group enumeration, the search pathmon
 * used before its own pruned one (topology/simple-paths.ts), is timed too, as the reference it replaced.
 *
 * Each JavaScript contender runs in a fresh child process (this file, run with `measure`), as NetworkX
 * runs in its own: the peak-RSS high-water mark only means something before other runs have raised it,
 * and neither contender's garbage or JIT state should land on the other's clock. The child's first,
 * untimed run measures memory and doubles as the warm-up; each timed run starts after a full GC.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allSimpleEdgeGroupPaths } from 'graphology-simple-path';
import { allProbePaths, buildTopology, type PathSet, type TopologyEvent, type TopologyGraph } from '../../topology/index.js';
import { repoRoot } from '../helpers/repo-root.js';
import { edgeSwitch, fatTree, type FatTree } from './fat-tree.js';
import type { Benchmark } from './benchmark.js';

const CASES = [
  { k: 8, cutoff: 8 },
  { k: 16, cutoff: 6 },
] as const;
const GOAL_SPEEDUP = 5;
/** Timed runs per JavaScript contender, after one warm-up; the median is reported. */
const JS_RUNS = 5;
/** NetworkX runs each variant up to this many times, stopping early once the budget is spent. */
const NETWORKX_REPEATS = 3;
const NETWORKX_BUDGET_SECONDS = 60;
/** Debian's python, which has python3-networkx; the pyenv python on PATH does not. */
const PYTHON = '/usr/bin/python3';
const NETWORKX_SCRIPT = join(repoRoot, 'test', 'bench', 'networkx_paths.py');
/** No cap: every path within maxHops is built, as NetworkX builds every one. */
const ALL_PATHS = Number.MAX_SAFE_INTEGER;

type Contender = 'pathmon' | 'bare';

/** One JavaScript contender's figures as recorded: median seconds, peak RSS over the start, heap kept. */
interface JsFigures {
  seconds: number;
  runs: number;
  peakRssDeltaBytes: number;
  retainedHeapBytes: number;
}

interface Measured extends JsFigures {
  /** What the answer claims, by who claims it; every count must equal NetworkX's. */
  counts: Record<string, number>;
}

interface NetworkxFigures {
  networkx: string;
  python: string;
  count: number;
  countSeconds: number;
  listSeconds: number;
  repeats: number;
  listPeakRssDeltaBytes: number;
}

export interface PathEnumerationCase {
  k: number;
  cutoff: number;
  nodes: number;
  links: number;
  source: string;
  target: string;
  paths: number;
  pathmon: JsFigures;
  bareEnumeration: JsFigures;
  networkx: { countSeconds: number; listSeconds: number; runs: number; listPeakRssDeltaBytes: number };
  /** NetworkX seconds over pathmon seconds, against each NetworkX variant. */
  speedupVsCount: number;
  speedupVsList: number;
  /** graphology-simple-path seconds (bare enumeration, no path objects) over pathmon seconds. */
  speedupVsGraphologySimplePath: number;
  /** Judged against the faster NetworkX variant, so the verdict cannot flatter pathmon. */
  goalMet: boolean;
}

export interface PathEnumerationResult {
  benchmark: 'path-enumeration';
  goal: string;
  machine: { cpu: string; cores: number; node: string; python: string; networkx: string };
  cases: PathEnumerationCase[];
  goalMet: boolean;
}

export const benchmark: Benchmark = { name: 'path-enumeration', run };

async function run(log: (line: string) => void): Promise<PathEnumerationResult> {
  const cases: PathEnumerationCase[] = [];
  let versions = { python: '', networkx: '' };
  for (const { k, cutoff } of CASES) {
    const tree = fatTree(k);
    const { source, target } = endpoints(tree);
    log(`fat-tree k=${k}: ${tree.switches.length} switches, ${tree.edges.length} links; ` + `${source} -> ${target} (edge 0 of the first and last pod), cutoff ${cutoff} links`);

    const nx = networkxPaths(tree, source, target, cutoff);
    versions = { python: nx.python, networkx: nx.networkx };
    const pathmon = measureInChild('pathmon', k, cutoff);
    const bare = measureInChild('bare', k, cutoff);

    const counts = { networkx: nx.count, ...pathmon.counts, ...bare.counts };
    if (new Set(Object.values(counts)).size !== 1) {
      throw new Error(`bench.pathEnumeration: path counts differ for k=${k} cutoff=${cutoff}: ${JSON.stringify(counts)}; ` + 'expected every contender to find the same paths');
    }
    const speedupVsCount = nx.countSeconds / pathmon.seconds;
    const speedupVsList = nx.listSeconds / pathmon.seconds;
    const row: PathEnumerationCase = {
      k,
      cutoff,
      nodes: tree.switches.length,
      links: tree.edges.length,
      source,
      target,
      paths: nx.count,
      pathmon: figures(pathmon),
      bareEnumeration: figures(bare),
      networkx: {
        countSeconds: sig(nx.countSeconds),
        listSeconds: sig(nx.listSeconds),
        runs: nx.repeats,
        listPeakRssDeltaBytes: nx.listPeakRssDeltaBytes,
      },
      speedupVsCount: sig(speedupVsCount),
      speedupVsList: sig(speedupVsList),
      speedupVsGraphologySimplePath: sig(bare.seconds / pathmon.seconds),
      goalMet: Math.min(speedupVsCount, speedupVsList) >= GOAL_SPEEDUP,
    };
    cases.push(row);
    for (const line of describe(row)) log(`  ${line}`);
  }
  const goalMet = cases.every((row) => row.goalMet);
  log(`goal (pathmon >= ${GOAL_SPEEDUP}x faster than NetworkX on every case): ${goalMet ? 'MET' : 'NOT MET'}`);
  return {
    benchmark: 'path-enumeration',
    goal: `allProbePaths at least ${GOAL_SPEEDUP}x faster than networkx.all_simple_paths (its faster variant)`,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, ...versions },
    cases,
    goalMet,
  };
}

function describe(row: PathEnumerationCase): string[] {
  const ms = (seconds: number): string => `${(seconds * 1000).toFixed(1)} ms`;
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return [
    `paths: ${row.paths} (NetworkX, pathmon and graphology-simple-path agree)`,
    `pathmon allProbePaths:        ${ms(row.pathmon.seconds)} median of ${row.pathmon.runs}; ` + `peak RSS +${mib(row.pathmon.peakRssDeltaBytes)}, retained heap ${mib(row.pathmon.retainedHeapBytes)}`,
    `graphology-simple-path:       ${ms(row.bareEnumeration.seconds)} median of ${row.bareEnumeration.runs}; ` +
      `peak RSS +${mib(row.bareEnumeration.peakRssDeltaBytes)}, retained heap ${mib(row.bareEnumeration.retainedHeapBytes)}`,
    `NetworkX all_simple_paths:    count ${ms(row.networkx.countSeconds)}, list ${ms(row.networkx.listSeconds)} ` +
      `median of ${row.networkx.runs}; list peak RSS +${mib(row.networkx.listPeakRssDeltaBytes)}`,
    `speedup: ${row.speedupVsCount.toFixed(2)}x vs count, ${row.speedupVsList.toFixed(2)}x vs list; ` +
      `${row.speedupVsGraphologySimplePath.toFixed(2)}x vs graphology-simple-path; ` +
      `goal >= ${GOAL_SPEEDUP}x: ${row.goalMet ? 'MET' : 'NOT MET'}`,
  ];
}

/** Two edge switches as far apart as a fat-tree has: edge 0 of the first and of the last pod. */
function endpoints(tree: FatTree): { source: string; target: string } {
  return { source: edgeSwitch(0, 0), target: edgeSwitch(tree.k - 1, 0) };
}

/** The topology pathmon would build if a source announced this fat-tree. */
function fatTreeTopology(tree: FatTree): TopologyGraph {
  const events: TopologyEvent[] = tree.switches.map(({ name }) => ({ kind: 'node-up', node: { id: name, name, kind: 'router' } }));
  tree.edges.forEach(([a, b], index) => {
    const [addressA, addressB] = slash31(index);
    events.push(linkUp(a, b, addressA, addressB), linkUp(b, a, addressB, addressA));
  });
  return buildTopology(events);
}

function linkUp(from: string, to: string, localAddress: string, neighborAddress: string): TopologyEvent {
  // The same key shape topology's sources build (their linkKey is not public): unique per direction.
  const key = `${from}|${to}|${localAddress}|${neighborAddress}`;
  return { kind: 'link-up', link: { key, from, to, localAddress, neighborAddress, prefixLength: 31 } };
}

/** The two addresses of the index-th /31 carved from 10.0.0.0/8. */
function slash31(index: number): [string, string] {
  const base = 0x0a000000 + index * 2;
  const dotted = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  return [dotted(base), dotted(base + 1)];
}

function networkxPaths(tree: FatTree, source: string, target: string, cutoff: number): NetworkxFigures {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-bench-'));
  try {
    const spec = join(dir, 'graph.json');
    writeFileSync(
      spec,
      JSON.stringify({
        edges: tree.edges,
        source,
        target,
        cutoff,
        repeats: NETWORKX_REPEATS,
        budgetSeconds: NETWORKX_BUDGET_SECONDS,
      }),
    );
    const stdout = execFileSync(PYTHON, [NETWORKX_SCRIPT, spec], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(stdout) as NetworkxFigures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measureInChild(contender: Contender, k: number, cutoff: number): Measured {
  const stdout = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'measure', contender, String(k), String(cutoff)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(stdout) as Measured;
}

/**
 * Child-process side of measureInChild, on a fresh heap: the first run measures memory (and warms up),
 * then the median of JS_RUNS timed runs, each after a full GC so no run pays for another's garbage.
 */
function measure(contender: Contender, k: number, cutoff: number): Measured {
  const gc = globalThis.gc;
  if (!gc) throw new Error('bench.measure: run with --expose-gc');
  const tree = fatTree(k);
  const topology = fatTreeTopology(tree);
  const { source, target } = endpoints(tree);
  const call =
    contender === 'pathmon'
      ? (): PathSet | string[][][] => allProbePaths(topology, source, target, { maxHops: cutoff, maxPaths: ALL_PATHS })
      : (): PathSet | string[][][] => allSimpleEdgeGroupPaths(topology.graph, source, target, { maxDepth: cutoff });

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage.rss();
  const first = call();
  const peakRss = process.resourceUsage().maxRSS * 1024; // getrusage reports KiB
  gc();
  const retainedHeapBytes = process.memoryUsage().heapUsed - heapBefore;
  const counts: Record<string, number> = Array.isArray(first)
    ? { 'bare enumeration': first.reduce((sum, groups) => sum + groups.reduce((n, group) => n * group.length, 1), 0) }
    : { 'pathmon paths': first.paths.length, 'pathmon totalWithinHops': first.totalWithinHops };

  const seconds: number[] = [];
  for (let i = 0; i < JS_RUNS; i++) {
    gc();
    const start = process.hrtime.bigint();
    call();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  seconds.sort((x, y) => x - y);
  return {
    seconds: seconds[Math.floor(seconds.length / 2)]!,
    runs: JS_RUNS,
    peakRssDeltaBytes: Math.max(0, peakRss - rssBefore),
    retainedHeapBytes,
    counts,
  };
}

function figures({ seconds, runs, peakRssDeltaBytes, retainedHeapBytes }: Measured): JsFigures {
  return { seconds: sig(seconds), runs, peakRssDeltaBytes, retainedHeapBytes };
}

/** Four significant digits: enough for timings, and keeps committed result files readable. */
function sig(value: number): number {
  return Number(value.toPrecision(4));
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'measure') {
  const [contender, k, cutoff] = process.argv.slice(3);
  if (contender !== 'pathmon' && contender !== 'bare') throw new Error(`bench.measure: unknown contender "${contender}"`);
  process.stdout.write(`${JSON.stringify(measure(contender, Number(k), Number(cutoff)))}\n`);
}
