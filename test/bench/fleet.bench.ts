/**
 * The fleet on the real PostgreSQL server, simulated in one process: 100 agents, each standing on its own
 * node with 1,000 paths from it, plus 2,000 targets of one group they all serve, at 10 s rounds.
 * Measured in one run:
 * - sustained write rate: each 10 s round every agent reports (heartbeat, rebalance, leader lease) and
 *   writes its 1,000 round results (COPY, as `pathmon run` does); the round's wall time must stay under
 *   10 s. The peer is the single-process baseline: one prober writing the same 100,000 rows a round.
 * - failover: one agent stops reporting (a SIGKILLed process: timers stopped, nothing released); the
 *   time until every one of its targets is held by another live agent, from the kill and from its expiry
 *   (last report + hold time), with the agents reporting on their own timers every 10 s (less a random
 *   jitter of up to a fifth, and right after an expiry that hands them work), hold time 30 s.
 * - the dashboard's fleet queries (fleetView: agents with status, leader, routes by status; what the
 *   agents page, `pathmon agents` and /metrics read): median and p95 of 20 runs at this size, goal < 100 ms.
 * Agents share four connection pools (a real fleet has one connection per agent; a hundred pools here
 * would exhaust the server's connection limit for the other tests sharing it).
 */
import { FleetAgent, fleetView, type WorkItem } from '../../src/fleet/index.js';
import { latestSchemaVersion, openStore, type RoundResultRecord, type SqlStore } from '../../src/store/index.js';
import { dropSchema, pgUnreachableReason, testPgUrl, uniqueSchemaName } from '../helpers/test-postgres.js';
import type { Benchmark } from './benchmark.js';

const AGENTS = 100;
const PATHS_PER_AGENT = 1000;
const TARGETS = 2000;
const ROUND_MS = 10_000;
const HOLD_MS = 30_000;
const ROUNDS = 3;
const POOLS = 4;
const VIEW_RUNS = 20;
const VIEW_GOAL_MS = 100;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const sig = (v: number): number => Number(v.toPrecision(4));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function agentWork(i: number): WorkItem[] {
  const node = `n${i}`;
  return [
    ...Array.from({ length: PATHS_PER_AGENT }, (_, p): WorkItem => ({ routeId: `p-${node}-${p}`, kind: 'path', sourceNode: node, targetGroup: null, probeKind: 'gre' })),
    ...Array.from({ length: TARGETS }, (_, t): WorkItem => ({ routeId: `t-${t}`, kind: 'target', sourceNode: null, targetGroup: 'web', probeKind: 'tcp' })),
  ];
}

function resultRows(routeIds: readonly string[], atMs: number): RoundResultRecord[] {
  return routeIds.map((pathId, k) => ({
    pathId,
    roundAtMs: atMs,
    sent: 10,
    received: 10,
    lossPct: 0,
    rttMinMs: 0.2,
    rttAvgMs: 0.3 + (k % 7) / 10,
    rttMaxMs: 1,
    rttP50Ms: 0.3,
    rttP95Ms: 0.8,
    rttP99Ms: 0.9,
    jitterMs: 0.05,
  }));
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}

export const benchmark: Benchmark = {
  name: 'fleet',
  async run(log) {
    const unreachable = await pgUnreachableReason();
    if (unreachable) throw new Error(`bench.fleet: ${unreachable}; expected the PostgreSQL server`);
    const schema = uniqueSchemaName('pmbfleet');
    const stores: SqlStore[] = [];
    const agents: FleetAgent[] = [];
    try {
      for (let i = 0; i < POOLS; i++) stores.push(await openStore(testPgUrl, { schema, maxConnections: 10, connectTimeoutMs: 120_000 }));
      for (let i = 0; i < AGENTS; i++) {
        const work = agentWork(i);
        agents.push(
          new FleetAgent({
            client: stores[i % POOLS]!.sqlClient,
            fleet: 'bench',
            identity: { agentId: `agent-${i}`, hostname: `host-${i}`, interfaces: [], capabilities: { rawSockets: true, kernelTimestamps: true, probeKinds: ['gre', 'icmp', 'tcp', 'udp'] } },
            node: `n${i}`,
            targetGroups: ['web'],
            version: 'bench',
            schemaVersion: latestSchemaVersion,
            holdTimeMs: HOLD_MS,
            reportIntervalMs: ROUND_MS,
            maxClockSkewMs: 5000,
            work: () => work,
            log: quiet,
          }),
        );
      }
      // Registration and the first publication of 100 × 3,000 items, agents joining ten at a time.
      const [, joinMs] = await timed(async () => {
        for (let i = 0; i < AGENTS; i += 10) await Promise.all(agents.slice(i, i + 10).map((a) => a.start({ reportOnTimer: false })));
      });
      log(`join: ${AGENTS} agents registered and published ${AGENTS * PATHS_PER_AGENT} paths + ${TARGETS} targets in ${sig(joinMs / 1000)} s`);
      // Two settling reports: every agent lets go of what another should have, then claims what is free.
      await Promise.all(agents.map((a) => a.tick()));

      // Fleet rounds: every agent reports and writes its round, all at once, as 100 processes would.
      const fleetRoundMs: number[] = [];
      const reportsMs: number[] = [];
      const writesMs: number[] = [];
      const reportMs: number[] = [];
      let rows = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const atMs = Date.UTC(2026, 0, 1) + r * ROUND_MS;
        const [, reportPhaseMs] = await timed(() =>
          Promise.all(
            agents.map(async (a) => {
              const [, tickMs] = await timed(() => a.tick());
              reportMs.push(tickMs);
            }),
          ),
        );
        const [, writePhaseMs] = await timed(() =>
          Promise.all(
            agents.map(async (a, i) => {
              const held = a.assignedWork();
              rows += held.length;
              await stores[i % POOLS]!.insertResults(resultRows(held, atMs));
            }),
          ),
        );
        reportsMs.push(reportPhaseMs);
        writesMs.push(writePhaseMs);
        fleetRoundMs.push(reportPhaseMs + writePhaseMs);
      }
      const fleetRows = rows / ROUNDS;
      const fleetRate = fleetRows / (median(writesMs) / 1000);
      log(
        `fleet round: ${AGENTS} reports in ${sig(median(reportsMs))} ms (one report ${sig(median(reportMs))} ms median, ${sig(p95(reportMs))} ms p95, all at once), ` +
          `then ${fleetRows} round results from ${AGENTS} writers in ${sig(median(writesMs))} ms (${sig(fleetRate)} rows/s while writing); ` +
          `${sig(median(fleetRoundMs))} ms of a ${ROUND_MS / 1000} s round (${median(fleetRoundMs) < ROUND_MS ? 'fits' : 'DOES NOT FIT'}): ${sig(fleetRows / (ROUND_MS / 1000))} rows/s sustained`,
      );

      // From here the agents report on their own timers, as deployed, while the rest is measured.
      for (const a of agents) a.startReporting();

      // Peer: one process writing the same rows a round.
      const single = await openStore(testPgUrl, { schema: `${schema}_single` });
      const singleMs: number[] = [];
      try {
        const ids = agents.flatMap((a) => a.assignedWork());
        for (let r = 0; r < ROUNDS; r++) {
          const [, ms] = await timed(() => single.insertResults(resultRows(ids, Date.UTC(2026, 0, 1) + r * ROUND_MS)));
          singleMs.push(ms);
        }
      } finally {
        await single.close();
        await dropSchema(`${schema}_single`);
      }
      const singleRate = fleetRows / (median(singleMs) / 1000);
      log(`single-process baseline: the same ${fleetRows} rows in ${sig(median(singleMs))} ms a round (${sig(singleRate)} rows/s while writing)`);

      // Dashboard queries at this size.
      const viewMs: number[] = [];
      let view = await fleetView(stores[0]!.sqlClient, 'bench');
      for (let i = 0; i < VIEW_RUNS; i++) {
        const [v, ms] = await timed(() => fleetView(stores[0]!.sqlClient, 'bench'));
        view = v;
        viewMs.push(ms);
      }
      const work = view.work[0]!;
      log(
        `dashboard fleet queries (${view.agents.length} agents, ${work.assigned + work.moving + work.unmonitored} routes): ${sig(median(viewMs))} ms median, ${sig(p95(viewMs))} ms p95 (goal < ${VIEW_GOAL_MS} ms)`,
      );

      // Failover on the agents' own timers: one agent is killed; how long until its targets run elsewhere.
      const victim = agents[7]!;
      const victimTargets = victim.assignedWork().filter((id) => id.startsWith('t-'));
      await victim.tick();
      const lastReportAt = performance.now();
      victim.stopTimers();
      const killedAt = performance.now();
      let movedAt = 0;
      const others = agents.filter((a) => a !== victim);
      for (;;) {
        // Asked per target (not by copying every agent's 1,000 routes each poll), so watching costs the
        // agents sharing this process next to nothing.
        if (victimTargets.every((t) => others.some((a) => a.isAssigned(t)))) {
          movedAt = performance.now();
          break;
        }
        if (performance.now() - killedAt > 3 * HOLD_MS) throw new Error(`bench.fleet: agent-7's ${victimTargets.length} targets not taken over within ${3 * HOLD_MS} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const sinceKill = movedAt - killedAt;
      const sinceExpiry = movedAt - (lastReportAt + HOLD_MS);
      log(
        `failover: agent-7's ${victimTargets.length} targets held by others ${sig(sinceKill / 1000)} s after the kill, ${sig(sinceExpiry / 1000)} s after its expiry ` +
          `(hold ${HOLD_MS / 1000} s, reports every ${ROUND_MS / 1000} s; goal: within one hold time of the kill: ${sinceKill <= HOLD_MS + ROUND_MS ? 'met' : 'MISSED'})`,
      );

      return {
        agents: AGENTS,
        pathsPerAgent: PATHS_PER_AGENT,
        targets: TARGETS,
        roundMs: ROUND_MS,
        holdMs: HOLD_MS,
        joinMs: sig(joinMs),
        fleet: {
          rowsPerRound: fleetRows,
          roundWallMs: sig(median(fleetRoundMs)),
          reportsPhaseMs: sig(median(reportsMs)),
          writesPhaseMs: sig(median(writesMs)),
          writingRowsPerS: sig(fleetRate),
          sustainedRowsPerS: sig(fleetRows / (ROUND_MS / 1000)),
          reportMedianMs: sig(median(reportMs)),
          reportP95Ms: sig(p95(reportMs)),
        },
        singleProcess: { rowsPerRound: fleetRows, roundWallMs: sig(median(singleMs)), writingRowsPerS: sig(singleRate) },
        dashboard: { medianMs: sig(median(viewMs)), p95Ms: sig(p95(viewMs)), goalMs: VIEW_GOAL_MS, met: median(viewMs) < VIEW_GOAL_MS },
        failover: { targets: victimTargets.length, sinceKillMs: sig(sinceKill), sinceExpiryMs: sig(sinceExpiry) },
      };
    } finally {
      for (const a of agents) a.stopTimers();
      for (const s of stores) await s.close().catch(() => undefined);
      await dropSchema(schema);
    }
  },
};
