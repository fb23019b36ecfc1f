/**
 * One engine measurement in a process of its own, so its RSS is its own: `rounds` rounds over `routes`
 * synthetic routes through the echo transport, either the old way (runProbeRound, every template
 * encoded afresh each round) or through createRoundRunner (templates kept across rounds). Prints one
 * JSON line: CPU and wall time per round, and memory before the routes, after them, and after the
 * rounds (each after a full GC), so the bytes the engine keeps per route can be told from the routes'.
 *
 * Run by monitor-scale.bench.ts: node --expose-gc engine-round-child.js '{"routes":20000,...}'
 */
import * as probes from '../../../probes/index.js';
import type { PathAddressing, RoundOptions, RoundResult } from '../../../probes/index.js';
import { EchoTransport, type EchoShape } from './echo-transport.js';
import { syntheticRoutes } from './synthetic-routes.js';

export interface EngineJob {
  routes: number;
  rounds: number;
  count: number;
  shape: EchoShape;
  /** fresh: runProbeRound each round; reuse: one createRoundRunner for all rounds. */
  mode: 'fresh' | 'reuse';
  keepSamples: boolean;
}

export interface EngineRoundFigures {
  cpuMs: number;
  wallMs: number;
  rssMb: number;
  received: number;
}

export interface EngineJobResult {
  job: EngineJob;
  rounds: EngineRoundFigures[];
  /** After a full GC: before building routes, after building them, after the last round. */
  memory: { baseMb: number; routesMb: number; afterRoundsMb: number; heapRoutesMb: number; heapAfterRoundsMb: number };
  /** Heap + array buffers the engine holds after the rounds, per route (templates, cache). */
  keptBytesPerRoute: number;
}

type Run = (paths: PathAddressing[], options: RoundOptions) => Promise<RoundResult>;

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function settledMemory(): { rss: number; held: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const usage = process.memoryUsage();
  return { rss: usage.rss, held: usage.heapUsed + usage.arrayBuffers };
}

/** In a function of its own, so the round's result is not held by main's suspended frame when memory is read. */
async function measuredRound(run: Run, routes: PathAddressing[], options: RoundOptions): Promise<EngineRoundFigures> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await run(routes, options);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  let received = 0;
  for (const stats of result.perPath) received += stats.received;
  return { cpuMs: Math.round((used.user + used.system) / 100) / 10, wallMs: Math.round(wallMs * 10) / 10, rssMb: mb(process.memoryUsage().rss), received };
}

async function main(job: EngineJob): Promise<EngineJobResult> {
  const base = settledMemory();
  const routes = syntheticRoutes(job.routes);
  const afterRoutes = settledMemory();
  const transport = new EchoTransport(job.shape);
  const deps = { sender: transport.sender, receiver: transport.receiver, clock: probes.systemClock };
  const createRoundRunner = (probes as { createRoundRunner?: (d: typeof deps) => Run }).createRoundRunner;
  if (job.mode === 'reuse' && !createRoundRunner) throw new Error('bench.engineRoundChild: this build has no createRoundRunner; expected mode "fresh"');
  const run: Run = job.mode === 'reuse' ? createRoundRunner!(deps) : (paths, options) => probes.runProbeRound(deps, paths, options);
  // A round's spacing is irrelevant here (every reply is immediate), but it sets the send schedule.
  const options: RoundOptions = { count: job.count, intervalMs: 20, timeoutMs: 2000, keepSamples: job.keepSamples };
  const rounds: EngineRoundFigures[] = [];
  for (let i = 0; i < job.rounds; i++) rounds.push(await measuredRound(run, routes, options));
  const after = settledMemory();
  return {
    job,
    rounds,
    memory: { baseMb: mb(base.rss), routesMb: mb(afterRoutes.rss), afterRoundsMb: mb(after.rss), heapRoutesMb: mb(afterRoutes.held), heapAfterRoundsMb: mb(after.held) },
    keptBytesPerRoute: Math.round((after.held - afterRoutes.held) / Math.max(1, job.routes)),
  };
}

main(JSON.parse(process.argv[2] ?? '{}') as EngineJob).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
