/**
 * Monitor at scale: CPU per round and memory per route, for the probe engine alone and for
 * the whole `pathmon run`. Goal: at most 0.5 s of CPU per round at 20,000 routes x 2 probes and at
 * most 5 KB per walk or path, so 100,000 routes fit a 10 s round on one core.
 *
 * (a) The engine alone, each measurement in a child process of its own (monitor-scale/engine-round-
 *     child.ts) so its RSS is its own: rounds over 20,000 and 100,000 synthetic routes (2-8 hops, 2
 *     probes each) through an in-memory transport that answers every probe (monitor-scale/echo-
 *     transport.ts, shaped like the probe-tx helper `pathmon run` uses), the way `pathmon run` used to
 *     call it (runProbeRound: every template encoded afresh each round: the peer) against
 *     createRoundRunner (templates kept across rounds), same routes, same run.
 * (b) The whole monitor: the real CLI on a k=8 fat-tree file topology (monitor-scale/, written by
 *     fat-tree-file.ts), prober h0-0-0, every other host an endpoint, maxHops 8, plus the link-cover
 *     walks, 10 rounds, in a network namespace made and deleted for the run (monitor-scale/monitor-
 *     run.ts); no packet leaves it. By default the probes loop back and are dropped there, so every
 *     probe times out and every path goes DOWN in round 3 (hysteresis): the engine and the monitor do
 *     all their per-route work, plus one storm of transitions and incidents. With
 *     PATHMON_BENCH_MONITOR_RESPOND=1 every hop address is local and the bench's C GRE responder peels
 *     each probe layer by layer back to the prober; measured here at 33,609 paths it forwarded 2.3
 *     million layers but loopback dropped most replies on 2 shared cores (36,825 of 677,260 probes came
 *     back), so it is not the default. 2 hosts per edge switch: 33,609 paths + the walks; PATHMON_BENCH_MONITOR_HOSTS=1,2
 *     adds 1 host per edge switch (16,804 paths, the issue's figure). Each against a baseline run of the
 *     same topology with paths of at most 4 hops, so the memory per route is the difference in RSS at
 *     the end of the rounds, not the fixed cost of PGlite and Node divided by the routes (the peak RSS
 *     is PGlite initialising a fresh directory, ~900 MB whatever the routes, so it is reported, not
 *     divided).
 *
 * The machine is shared: its load average is recorded at start and end, and wall times move with it;
 * CPU times (process.cpuUsage, /proc/PID/stat) much less. A missed goal is printed, not failed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/repo-root.js';
import type { Benchmark } from './benchmark.js';
import type { EngineJob, EngineJobResult } from './monitor-scale/engine-round-child.js';
import { fatTreeFiles, benchConfig } from './monitor-scale/fat-tree-file.js';
import { runMonitorInNamespace, type MonitorRunResult } from './monitor-scale/monitor-run.js';

const GOAL_CPU_MS_PER_ROUND = 500;
const GOAL_KB_PER_ROUTE = 5;
const MONITOR_ROUNDS = 10;
const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const load = () => loadavg().map((x) => round(x, 2));
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!;
};

function engineJob(job: EngineJob): EngineJobResult {
  const child = join(repoRoot, 'dist', 'test', 'bench', 'monitor-scale', 'engine-round-child.js');
  const out = execFileSync(process.execPath, ['--expose-gc', child, JSON.stringify(job)], { maxBuffer: 1 << 24, timeout: 600_000 });
  return JSON.parse(out.toString()) as EngineJobResult;
}

interface EngineFigures {
  routes: number;
  mode: 'fresh' | 'reuse';
  firstRoundCpuMs: number;
  /** Median of the rounds after the first (the first builds every template in either mode). */
  cpuMsPerRound: number;
  cpuMsPerRoundAll: number[];
  peakRssMb: number;
  /** Peak RSS above the RSS with the routes built, per route. */
  rssKbPerRoute: number;
  /** RSS after the rounds and a full GC, above the RSS with the routes built, per route. */
  settledRssKbPerRoute: number;
  /** Heap + array buffers still held after the rounds and a full GC, per route. */
  keptBytesPerRoute: number;
}

async function engineFigures(log: (line: string) => void): Promise<EngineFigures[]> {
  const figures: EngineFigures[] = [];
  for (const routes of [20_000, 100_000]) {
    for (const mode of ['fresh', 'reuse'] as const) {
      const result = engineJob({ routes, rounds: mode === 'fresh' && routes > 50_000 ? 3 : 6, count: 2, shape: 'round', mode, keepSamples: false });
      const cpu = result.rounds.map((r) => r.cpuMs);
      const received = result.rounds.map((r) => r.received);
      if (received.some((n) => n !== routes * 2)) throw new Error(`bench.monitorScale: ${mode} at ${routes} routes matched ${received.join(', ')} replies per round, expected ${routes * 2}`);
      const peakRssMb = Math.max(...result.rounds.map((r) => r.rssMb));
      const f: EngineFigures = {
        routes,
        mode,
        firstRoundCpuMs: cpu[0]!,
        cpuMsPerRound: median(cpu.slice(1)),
        cpuMsPerRoundAll: cpu,
        peakRssMb,
        rssKbPerRoute: round(((peakRssMb - result.memory.routesMb) * 1024) / routes, 2),
        settledRssKbPerRoute: round(((result.memory.afterRoundsMb - result.memory.routesMb) * 1024) / routes, 2),
        keptBytesPerRoute: result.keptBytesPerRoute,
      };
      figures.push(f);
      log(
        `  engine, ${routes.toLocaleString('en')} routes x 2 probes, ${mode === 'fresh' ? 'runProbeRound (templates encoded every round)' : 'createRoundRunner (templates kept)'}: ` +
          `CPU ${f.cpuMsPerRound} ms/round (first round ${f.firstRoundCpuMs} ms; all ${cpu.join(', ')}), peak RSS ${peakRssMb} MB ` +
          `(${f.rssKbPerRoute} KB/route over the routes' own; ${f.settledRssKbPerRoute} KB/route after a full GC), held by the engine after GC ${f.keptBytesPerRoute} B/route`,
      );
    }
  }
  return figures;
}

interface MonitorFigures {
  config: string;
  paths: number;
  walks: number;
  exitCode: number | null;
  startupMs: number | null;
  startupCpuMs: number | null;
  meanRoundCpuMs: number | null;
  roundCpuMsBySchedule: number[];
  meanHelpersRoundCpuMs: number | null;
  closeCpuMs: number | null;
  overran: boolean;
  roundRssMb: number[];
  warnings: { count: number; first: string[] };
  /** "received forwarded malformed" of the GRE responder, when probes are answered. */
  responder: string | null;
  rssAfterStartupMb: number | null;
  rssAfterRoundsMb: number | null;
  peakRssMb: number;
}

function plannedCounts(line: string | null): { paths: number; walks: number } {
  const paths = /(\d+) probed/.exec(line ?? '');
  const walks = /(\d+) cover walk/.exec(line ?? '');
  return { paths: paths ? Number(paths[1]) : 0, walks: walks ? Number(walks[1]) : 0 };
}

async function monitorRun(config: string, rounds: number, log: (line: string) => void): Promise<MonitorFigures> {
  const proberAddress = fatTreeFiles(8, 1, benchConfig).proberAddress;
  const respond = process.env.PATHMON_BENCH_MONITOR_RESPOND === '1';
  const result: MonitorRunResult = await runMonitorInNamespace({ config, proberAddress, rounds, intervalMs: benchConfig.intervalMs, timeoutMs: 420_000, log, respond });
  const counts = plannedCounts(result.plannedLine);
  if (result.exitCode !== 0) log(`  ${config}: pathmon run exited with ${result.exitCode}:\n    ${result.stderrTail.join('\n    ')}`);
  if (result.warnings.count > 0) log(`  ${config}: ${result.warnings.count} warning(s), first: ${result.warnings.first.join(' | ')}`);
  return {
    config,
    ...counts,
    exitCode: result.exitCode,
    startupMs: result.startupMs,
    startupCpuMs: result.startupCpuMs,
    meanRoundCpuMs: result.meanRoundCpuMs,
    roundCpuMsBySchedule: result.roundCpuMs,
    meanHelpersRoundCpuMs: result.meanHelpersRoundCpuMs,
    closeCpuMs: result.closeCpuMs,
    overran: result.overran,
    roundRssMb: result.roundRssMb,
    warnings: result.warnings,
    responder: result.responder,
    rssAfterStartupMb: result.rssAfterStartupMb,
    rssAfterRoundsMb: result.rssAfterRoundsMb,
    peakRssMb: result.peakRssMb,
  };
}

/** Why the whole-monitor runs cannot happen here, or null when they can. */
function monitorUnavailable(): string | null {
  if (!existsSync(join(repoRoot, 'dist', 'src', 'cli.js'))) return 'no dist/src/cli.js; run npm run build';
  if (process.getuid?.() !== 0) return 'needs root for ip netns and raw sockets';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'no `ip netns` here';
  }
  return null;
}

interface MonitorSize {
  hostsPerEdge: number;
  routes: number;
  base: MonitorFigures;
  full: MonitorFigures;
  /** RSS at the end of the rounds, above the baseline run's, per route added. */
  kbPerRoute: number | null;
}

type MonitorOutcome = { measured: false; reason: string } | { measured: true; sizes: MonitorSize[] };

async function monitorFigures(log: (line: string) => void): Promise<MonitorOutcome> {
  const unavailable = monitorUnavailable();
  if (unavailable) {
    log(`  whole monitor: not measured (${unavailable})`);
    return { measured: false, reason: unavailable };
  }
  const dir = join(repoRoot, 'test', 'bench', 'monitor-scale');
  const sizes: MonitorSize[] = [];
  const hostCounts = (process.env.PATHMON_BENCH_MONITOR_HOSTS ?? '2').split(',').map(Number);
  for (const hosts of hostCounts) {
    const base = await monitorRun(join(dir, `monitor-k8-h${hosts}-base.yaml`), 3, log);
    const full = await monitorRun(join(dir, `monitor-k8-h${hosts}.yaml`), MONITOR_ROUNDS, log);
    const routes = full.paths + full.walks;
    const extraRoutes = routes - (base.paths + base.walks);
    const kbPerRoute = full.rssAfterRoundsMb !== null && base.rssAfterRoundsMb !== null ? round(((full.rssAfterRoundsMb - base.rssAfterRoundsMb) * 1024) / extraRoutes, 1) : null;
    log(
      `  pathmon run, k=8 fat-tree, ${hosts} host(s) per edge switch: ${full.paths.toLocaleString('en')} paths + ${full.walks} walks, ${MONITOR_ROUNDS} rounds: ` +
        `${full.responder ? `answered (responder: ${full.responder} received/forwarded/malformed)` : 'probes dropped'}: CPU ${full.meanRoundCpuMs} ms/round (each: ${full.roundCpuMsBySchedule.join(', ')}; probe-tx/rx helpers ${full.meanHelpersRoundCpuMs} ms/round apart${full.overran ? '; rounds overran their windows' : ''}), ` +
        `start-up ${full.startupMs} ms (${full.startupCpuMs} ms CPU), closing ${full.closeCpuMs} ms CPU; ` +
        `RSS ${full.rssAfterStartupMb} MB after start-up, per round ${full.roundRssMb.join(', ')} MB, peak ${full.peakRssMb} MB; ` +
        `baseline (${base.paths} paths + ${base.walks} walks, 3 rounds): RSS ${base.rssAfterRoundsMb} MB, peak ${base.peakRssMb} MB, CPU ${base.meanRoundCpuMs} ms/round; ` +
        `${kbPerRoute} KB RSS per added route at the end of the rounds`,
    );
    sizes.push({ hostsPerEdge: hosts, routes, base, full, kbPerRoute });
  }
  return { measured: true, sizes };
}

export const benchmark: Benchmark = {
  name: 'monitor-scale',
  async run(log) {
    const loadAtStart = load();
    log(`  load average at start: ${loadAtStart.join(' ')} (2 shared cores)`);
    const engine = await engineFigures(log);
    const reuse20k = engine.find((f) => f.routes === 20_000 && f.mode === 'reuse')!;
    const fresh20k = engine.find((f) => f.routes === 20_000 && f.mode === 'fresh')!;
    const reuse100k = engine.find((f) => f.routes === 100_000 && f.mode === 'reuse')!;
    log(
      `  engine: kept templates cut CPU per round ${round(fresh20k.cpuMsPerRound / reuse20k.cpuMsPerRound, 1)}x at 20,000 routes; ` +
        `goal <= ${GOAL_CPU_MS_PER_ROUND} ms at 20,000: ${reuse20k.cpuMsPerRound <= GOAL_CPU_MS_PER_ROUND ? 'met' : 'MISSED'}; ` +
        `100,000 routes take ${reuse100k.cpuMsPerRound} ms of a 10 s round`,
    );
    const monitor = await monitorFigures(log);
    if (monitor.measured) {
      for (const size of monitor.sizes) {
        const cpu = size.full.meanRoundCpuMs;
        log(
          `  goal at ${size.routes.toLocaleString('en')} routes: CPU ${cpu} ms/round vs <= ${GOAL_CPU_MS_PER_ROUND}: ${cpu !== null && cpu <= GOAL_CPU_MS_PER_ROUND ? 'met' : 'MISSED'}; ` +
            `${size.kbPerRoute} KB/route vs <= ${GOAL_KB_PER_ROUTE}: ${size.kbPerRoute !== null && size.kbPerRoute <= GOAL_KB_PER_ROUTE ? 'met' : 'MISSED'}`,
        );
      }
    }
    const loadAtEnd = load();
    log(`  load average at end: ${loadAtEnd.join(' ')}`);
    return { goals: { cpuMsPerRound: GOAL_CPU_MS_PER_ROUND, kbPerRoute: GOAL_KB_PER_ROUTE }, loadAtStart, loadAtEnd, engine, monitor };
  },
};
