/**
 * The bounded worker pool. The queue is the action_runs table, not memory: a run is QUEUED the moment a
 * rule decides it (in the trigger's transaction), the pool claims at most `workers` at a time (QUEUED →
 * RUNNING in one statement), carries each out and stores SUCCESS / FAILURE / TIMEOUT with its output
 * and duration. So a burst of a thousand events costs rows, not processes, and a restart loses nothing:
 * QUEUED runs are simply claimed by the next pool; RUNNING ones found at start are finished as FAILURE
 * "interrupted by restart" (they may have done their work, so they are never run twice).
 *
 * One failing, hanging or slow action holds one worker until its own timeout; the others go on.
 *
 * In a fleet (`leads` given) only the leader's pool claims. Another agent may still be finishing runs
 * it claimed while it led, so nothing is failed at start; runs left RUNNING well past their own
 * timeout are finished as abandoned instead (failAbandonedRuns), by whichever pool leads.
 */
import type { SqlClient } from '../store/sql-client.js';
import { claimRuns, deferRun, failAbandonedRuns, failInterruptedRuns, finishRun, nextDueMs, type ActionRun, type RunResult, type RunState } from './action-run-queries.js';
import type { ActionExecutor, Execution } from './execution.js';

export interface ActionPoolOptions {
  client: SqlClient;
  workers: number;
  execute: ActionExecutor;
  nowMs?: () => number;
  /** A run finished (not deferred): the isolation workflow moves on from its commands here. */
  onFinished?: (run: ActionRun, result: RunResult) => void;
  log?: (level: 'info' | 'warn', line: string) => void;
  /** Longest sleep between looks at the queue when nothing wakes the pool (deferred runs, other writers). */
  idlePollMs?: number;
  /** Fleet mode: claim only while this returns true. Absent: a lone pathmon, always. */
  leads?: () => boolean;
}

/** How often a leading fleet pool looks for runs abandoned by another agent. */
const ABANDONED_CHECK_MS = 30_000;

export interface PoolStats {
  workers: number;
  running: number;
  /** Most runs in progress at once since start. */
  maxRunning: number;
  finished: Record<Exclude<RunState, 'QUEUED' | 'RUNNING'>, number>;
  deferred: number;
  /** Runs found RUNNING at start and finished as interrupted. */
  interrupted: number;
  lastError: string | null;
}

export class ActionPool {
  readonly #o: Required<Omit<ActionPoolOptions, 'onFinished' | 'leads'>> & Pick<ActionPoolOptions, 'onFinished' | 'leads'>;
  #abandonedCheckedAtMs = -Infinity;
  readonly #inFlight = new Set<Promise<void>>();
  #running = 0;
  #pumping = false;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #idleWaiters: (() => void)[] = [];
  #stats: PoolStats;

  constructor(options: ActionPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new Error(`remediate.ActionPool: workers ${String(options.workers)}; expected a positive integer`);
    }
    this.#o = { nowMs: Date.now, log: () => undefined, idlePollMs: 5_000, ...options };
    this.#stats = { workers: options.workers, running: 0, maxRunning: 0, finished: { SUCCESS: 0, FAILURE: 0, TIMEOUT: 0 }, deferred: 0, interrupted: 0, lastError: null };
  }

  /** Finishes runs a previous process left RUNNING, then starts claiming. Returns the interrupted ids. */
  async start(): Promise<number[]> {
    if (this.#o.leads !== undefined) {
      this.kick();
      return [];
    }
    const interrupted = await failInterruptedRuns(this.#o.client, this.#o.nowMs());
    this.#stats.interrupted += interrupted.length;
    if (interrupted.length > 0)
      this.#o.log(
        'warn',
        `remediation: ${interrupted.length} action run(s) were running when pathmon stopped; marked FAILURE "interrupted by restart" (ids ${interrupted.slice(0, 20).join(', ')}${interrupted.length > 20 ? ', ...' : ''})`,
      );
    this.kick();
    return interrupted;
  }

  /** Something was queued: look at the queue now. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    void this.#pump();
  }

  stats(): PoolStats {
    return { ...this.#stats, running: this.#running, finished: { ...this.#stats.finished } };
  }

  /** Resolves when nothing runs and nothing queued is due (tests, the benchmark, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#running === 0 && !this.#pumping) {
        if (!this.#leading()) return;
        const due = await nextDueMs(this.#o.client);
        if (due === null || due > this.#o.nowMs()) return;
      }
      // While runs are in progress the pump runs when one ends, and wakes this then; kicking it now
      // would spin claim after claim (PGlite answers without yielding) and starve those very runs.
      await new Promise<void>((resolve) => {
        this.#idleWaiters.push(resolve);
        if (this.#running === 0) this.kick();
      });
    }
  }

  /**
   * Stops claiming and waits up to `graceMs` for runs in progress; any still running then stay RUNNING
   * in the store and are finished as interrupted by the next start.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        const free = this.#o.workers - this.#running;
        if (free <= 0 || this.#stopped || !this.#leading()) break;
        await this.#failAbandoned();
        const runs = await claimRuns(this.#o.client, this.#o.nowMs(), free);
        for (const run of runs) this.#launch(run);
        if (runs.length === free) this.#again = true;
      } while (this.#again && !this.#stopped);
      await this.#scheduleNext();
    } catch (error) {
      this.#stats.lastError = (error as Error).message;
      this.#o.log('warn', `remediation: reading the action queue: ${(error as Error).message} (trying again in 1 s)`);
      this.#arm(1000);
    } finally {
      this.#pumping = false;
      this.#wakeIdle();
    }
  }

  /** Whether this pool may claim now: always alone, only as the leader in a fleet. */
  #leading(): boolean {
    return this.#o.leads === undefined || this.#o.leads();
  }

  async #failAbandoned(): Promise<void> {
    const now = this.#o.nowMs();
    if (this.#o.leads === undefined || now - this.#abandonedCheckedAtMs < ABANDONED_CHECK_MS) return;
    this.#abandonedCheckedAtMs = now;
    const ids = await failAbandonedRuns(this.#o.client, now);
    this.#stats.interrupted += ids.length;
    if (ids.length > 0) this.#o.log('warn', `remediation: ${ids.length} action run(s) abandoned by an agent that stopped or lost the lead: marked FAILURE (ids ${ids.slice(0, 20).join(', ')})`);
  }

  async #scheduleNext(): Promise<void> {
    if (this.#stopped) return;
    // A run in progress kicks the pool when it ends; reading the queue's next due time now would be a
    // round trip per finished run for nothing. The idle poll stays armed for deferred runs and other writers.
    if (this.#running > 0 || !this.#leading()) {
      this.#arm(this.#o.idlePollMs);
      return;
    }
    const due = await nextDueMs(this.#o.client);
    const now = this.#o.nowMs();
    if (due === null) this.#arm(this.#o.idlePollMs);
    else this.#arm(Math.min(Math.max(due - now, 0), this.#o.idlePollMs));
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.kick(), Math.max(ms, 1));
    this.#timer.unref();
  }

  #launch(run: ActionRun): void {
    this.#running += 1;
    this.#stats.maxRunning = Math.max(this.#stats.maxRunning, this.#running);
    const work = this.#carryOut(run).finally(() => {
      this.#running -= 1;
      this.#inFlight.delete(work);
      this.kick();
    });
    this.#inFlight.add(work);
  }

  async #carryOut(run: ActionRun): Promise<void> {
    const startedAtMs = run.startedAtMs ?? this.#o.nowMs();
    const t0 = performance.now();
    const execution: Execution = await this.#o.execute(run);
    try {
      if (execution.state === 'DEFER') {
        this.#stats.deferred += 1;
        await deferRun(this.#o.client, run.id, execution.notBeforeMs, execution.why);
        return;
      }
      const result: RunResult = {
        state: execution.state,
        finishedAtMs: Math.max(this.#o.nowMs(), startedAtMs),
        durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
        exitCode: execution.exitCode ?? null,
        output: execution.output,
        error: execution.error ?? null,
      };
      const stored = await this.#storeResult(run.id, result);
      if (!stored) return;
      this.#stats.finished[execution.state] += 1;
      if (execution.state !== 'SUCCESS') this.#o.log('warn', `remediation: run ${run.id} (rule ${run.rule}, ${run.action.type}) ${execution.state}: ${execution.error ?? ''}`);
      this.#o.onFinished?.(run, result);
    } catch (error) {
      this.#stats.lastError = (error as Error).message;
      this.#o.log('warn', `remediation: storing the result of run ${run.id}: ${(error as Error).message}`);
    }
  }

  /** The result is what the run did: a store hiccup is retried a few times before it is given up. */
  async #storeResult(id: number, result: RunResult): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await finishRun(this.#o.client, id, result);
      } catch (error) {
        if (attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
