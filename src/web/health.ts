/**
 * What /healthz and /readyz answer, for systemd watchdogs, load balancers and orchestrators. Health is
 * only "the process answers HTTP". Readiness is "the monitor is doing its job": a first probing round has
 * finished (until then every figure the API serves is empty) and round results are being written (a
 * store that refuses them means history is piling up in memory and spill files). Both answer without a
 * token, so they carry no measurement and no error text: the reason is a code and a sentence that
 * points to the log and /api/status, which hold the details.
 */
import type { DashboardView } from './dashboard-view.js';
import type { ResultWriterView } from '../store/index.js';

export type ReadinessReason = 'ready' | 'no-round-yet' | 'store-unwritable' | 'store-closed';

export interface Readiness {
  ready: boolean;
  reason: ReadinessReason;
  message: string;
  rounds: number;
  lastRoundAtMs: number | null;
}

/** The monitor's readiness now. A view without a result writer (recorded data) counts as writable. */
export function readiness(view: DashboardView & ResultWriterView): Readiness {
  const { rounds, lastRoundAtMs } = view.counters();
  const answer = (reason: ReadinessReason, message: string): Readiness => ({ ready: reason === 'ready', reason, message, rounds, lastRoundAtMs });
  const writer = view.resultWriter?.() ?? null;
  if (writer?.state === 'closed') return answer('store-closed', 'web.readiness: the monitor is stopping and its store is closed; expected a running monitor');
  if (rounds === 0) {
    return answer('no-round-yet', 'web.readiness: no probing round has finished yet; expected the first round one probing interval after the topology converges');
  }
  if (writer?.state === 'retrying') {
    const since = writer.lastErrorAtMs === null ? '' : ` since ${new Date(writer.lastErrorAtMs).toISOString()}`;
    return answer(
      'store-unwritable',
      `web.readiness: the store has refused round results${since} (${writer.failedWrites} failed write(s); ${writer.buffered + writer.spilled} row(s) waiting); expected the store to accept writes — the reason is in pathmon's log and /api/status`,
    );
  }
  return answer('ready', 'web.readiness: rounds are running and their results are being written');
}
