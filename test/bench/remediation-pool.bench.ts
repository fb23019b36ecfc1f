/**
 * Remediation pool: a burst of 1,000 matching device events through a pool of 10 workers on PGlite,
 * each running `/bin/true`. Figures: how long the burst took to be queued (rules, dedup-free, one
 * transaction per batch), how long until every run was stored finished, and the action latency per run
 * (queued → finished, p50/p99). The peer, measured in the same run: the same 1,000 `/bin/true` spawned
 * by bare child_process with at most 10 alive, no store — what the pool's bookkeeping costs over that.
 *
 * The store work per run: one claim (a statement per batch of free workers), one UPDATE with the
 * result; the QUEUED rows of a transaction's events go in with one INSERT and their statuses with one
 * UPDATE.
 */
import { spawn } from 'node:child_process';
import { remediationConfigSchema } from '../../src/remediate/remediation-config-schema.js';
import { startRemediation } from '../../src/remediate/start-remediation.js';
import { actionRuns } from '../../src/remediate/action-run-queries.js';
import { freshDb, labGraph, syslogEvent } from '../integration/remediate/remediate-fixtures.js';
import type { Benchmark } from './benchmark.js';

const EVENTS = 1000;
const WORKERS = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function barePeer(): Promise<{ totalMs: number; p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < EVENTS) {
      next += 1;
      await new Promise<void>((resolve) => spawn('/bin/true', [], { stdio: 'ignore' }).on('close', () => resolve()));
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  const sorted = latencies.sort((a, b) => a - b);
  return { totalMs: performance.now() - t0, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

export const benchmark: Benchmark = {
  name: 'remediation-pool',
  async run(log) {
    const db = await freshDb();
    try {
      const graph = labGraph();
      const remediation = await startRemediation({
        config: remediationConfigSchema.parse({ workers: WORKERS, rules: [{ name: 'burst', match: { program: 'ospfd' }, actions: [{ type: 'command', argv: ['/bin/true'] }] }] }),
        notifiers: {},
        client: db.store.sqlClient,
        graph: () => graph,
        openIncidents: () => [],
        idlePollMs: 50,
      });
      const events = Array.from({ length: EVENTS }, (_, i) => syslogEvent({ id: 1_000_000 + i }));
      const t0 = performance.now();
      await Promise.all(events.map((event) => remediation.handleEvent(event)));
      const queuedMs = performance.now() - t0;
      // Waits on the pool itself: polling the whole run table meanwhile (as this once did) competed
      // with the pool for the one PGlite connection and was a good part of what was measured.
      await remediation.pool.idle();
      const totalMs = performance.now() - t0;
      const runs = await actionRuns(db.store.sqlClient, { limit: 100_000 });
      await remediation.close();
      const latency = runs.map((r) => r.finishedAtMs! - r.queuedAtMs).sort((a, b) => a - b);
      const failures = runs.filter((r) => r.state !== 'SUCCESS').length;
      const maxRunning = remediation.stats().pool.maxRunning;
      const pathmon = {
        events: EVENTS,
        workers: WORKERS,
        runs: runs.length,
        failures,
        maxRunning,
        queuedMs: Math.round(queuedMs),
        totalMs: Math.round(totalMs),
        latencyP50Ms: percentile(latency, 50),
        latencyP99Ms: percentile(latency, 99),
        eventsPerSecond: Math.round(EVENTS / (queuedMs / 1000)),
      };
      log(
        `pathmon pool: ${EVENTS} events queued in ${pathmon.queuedMs} ms (${pathmon.eventsPerSecond}/s), all ${runs.length} runs finished in ${pathmon.totalMs} ms, ${failures} failed, at most ${maxRunning} running`,
      );
      log(`pathmon pool: action latency (queued -> finished) p50 ${pathmon.latencyP50Ms} ms, p99 ${pathmon.latencyP99Ms} ms`);
      const peer = await barePeer();
      log(
        `peer (bare spawn, ${WORKERS} at a time, no store): ${EVENTS} x /bin/true in ${Math.round(peer.totalMs)} ms; completion time p50 ${Math.round(peer.p50Ms)} ms, p99 ${Math.round(peer.p99Ms)} ms`,
      );
      return { pathmon, peer: { totalMs: Math.round(peer.totalMs), p50Ms: Math.round(peer.p50Ms), p99Ms: Math.round(peer.p99Ms) } };
    } finally {
      await db.dispose();
    }
  },
};
