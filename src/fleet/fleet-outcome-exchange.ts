/**
 * How the agents of a fleet see each other's rounds: after each of its rounds an agent writes what it
 * measured (its path and walk routes with their links and figures, the states of the paths and targets
 * it holds, its recent path transitions) to its one row of fleet_round_outcomes, then reads the other
 * live agents' latest rows into a cache. Evaluation is synchronous, so the fleet evaluator reads the
 * cache: the others' rounds are at most one round old.
 *
 * Publishing and reading happen off the round: a round never waits for the database. One exchange runs
 * at a time; rounds that end while one is in flight are folded into the next, which publishes the latest
 * round (transitions of the skipped ones included). A failure is logged once until it changes, and the
 * cache is kept as it was: evidence one round older beats no evidence.
 */
import { redactError } from '../secrets/index.js';
import type { PathStatus } from '../incidents/index.js';
import type { PathTransition, RoundOutcome } from '../monitor/index.js';
import type { SqlQueryable } from '../store/sql-client.js';
import type { FleetLog } from './fleet-agent.js';
import { FleetError } from './fleet-error.js';
import { peerRoundOutcomes, publishRoundOutcome, type PeerRound, type PublishedRoute, type PublishedTransition } from './round-outcome-queries.js';

export interface FleetOutcomeExchangeOptions {
  client: SqlQueryable;
  fleet: string;
  agentId: string;
  /** This agent's probing interval (`probing.intervalMs`): how long its row stays fresh, with its hold time. */
  intervalMs: number;
  log: FleetLog;
  /** Rounds whose transitions stay in the row, so a leader that missed a refresh still sees them. Default 5. */
  keptRounds?: number;
}

/** What one round hands the exchange. */
export interface PublishedState {
  outcome: RoundOutcome;
  /** This round's path transitions (the path-state evaluator's findings). */
  transitions: readonly PathTransition[];
  /** The user paths and targets this agent holds, with their states after the round. */
  paths: readonly PathStatus[];
}

export class FleetOutcomeExchange {
  private peersValue: readonly PeerRound[] = [];
  private recent: PublishedTransition[] = [];
  /** When the last `keptRounds` rounds were taken: their transitions stay in the row. */
  private roundTimes: number[] = [];
  private waiting: PublishedState | null = null;
  private running: Promise<void> | null = null;
  private lastError: string | null = null;
  private closed = false;

  constructor(private readonly options: FleetOutcomeExchangeOptions) {
    const kept = options.keptRounds;
    if (kept !== undefined && !(Number.isInteger(kept) && kept >= 1)) {
      throw new FleetError('bad-value', `fleet.FleetOutcomeExchange: keptRounds is ${kept}; expected a whole number of rounds, 1 or more`);
    }
  }

  /** The other live agents' latest rounds, as last read. */
  peers(): readonly PeerRound[] {
    return this.peersValue;
  }

  /** Publishes this round and reads the others', in the background. Never throws. */
  afterRound(state: PublishedState): void {
    if (this.closed) return;
    this.keepTransitions(state);
    this.waiting = state;
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Reads the other agents' latest rounds now (a new leader wants them before its first round). */
  async refresh(): Promise<void> {
    await this.guard("reading the fleet's rounds", async () => {
      const { rounds, malformed } = await peerRoundOutcomes(this.options.client, this.options.fleet, this.options.agentId);
      for (const problem of malformed) this.options.log.warn(`fleet: left out a published round: ${problem}`);
      this.peersValue = rounds;
    });
  }

  /** Waits for the exchange in flight; publishes nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  /** What is running or queued now has finished (tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.waiting !== null) {
      const state = this.waiting;
      this.waiting = null;
      await this.guard('publishing this round', () =>
        publishRoundOutcome(this.options.client, {
          fleet: this.options.fleet,
          agentId: this.options.agentId,
          intervalMs: this.options.intervalMs,
          roundAtMs: state.outcome.atMs,
          routes: publishedRoutes(state.outcome),
          paths: state.paths.map((status) => ({ record: status.record, state: status.state, ...(status.thresholds && { thresholds: status.thresholds }) })),
          transitions: this.recent,
        }),
      );
      await this.refresh();
    }
  }

  private keepTransitions(state: PublishedState): void {
    const atMs = state.outcome.atMs;
    this.roundTimes = [...this.roundTimes, atMs].slice(-(this.options.keptRounds ?? 5));
    const oldest = this.roundTimes[0]!;
    const fresh = state.transitions.map(({ path, transition }) => ({ roundAtMs: atMs, path, transition }));
    this.recent = [...this.recent.filter((t) => t.roundAtMs >= oldest), ...fresh].slice(-MAX_KEPT_TRANSITIONS);
  }

  private async guard(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
      if (this.lastError !== null) this.options.log.info(`fleet: sharing rounds with the fleet again`);
      this.lastError = null;
    } catch (error) {
      const text = `${what}: ${redactError(error)}`;
      if (text !== this.lastError) this.options.log.warn(`fleet: ${text} (the fleet's evaluation uses the rounds it last had)`);
      this.lastError = text;
    }
  }
}

/** A fabric-wide outage must not make one row unbounded: the newest transitions are kept. */
const MAX_KEPT_TRANSITIONS = 2000;

/** The routes that carry links (paths and walks): targets cross none, and their states travel in `paths`. */
function publishedRoutes(outcome: RoundOutcome): PublishedRoute[] {
  const routes: PublishedRoute[] = [];
  for (const route of outcome.routes) {
    if (route.kind !== 'path' && route.kind !== 'walk') continue;
    routes.push({ kind: route.kind, id: route.id, group: route.group, linkKeys: route.linkKeys, stats: route.stats });
  }
  return routes;
}
