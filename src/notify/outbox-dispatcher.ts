/**
 * Delivers the store's notification outbox, at least once. The monitor calls dispatch() once at start
 * and after every round; each pass reads the pending rows, and for every channel hands them to its
 * notifier, oldest first per subject: a subject's item waits while an earlier one of that subject is
 * pending (a resolve never overtakes its create), while different subjects proceed concurrently up to
 * the channel's bound, so one hanging request delays only its own subject. Each result is written back
 * to the outbox at once (delivered, retry at T with the error, failed, superseded), so nothing lives
 * only in memory: after a crash or kill -9 the next process sends what was still pending. An item may be
 * handed over again when its result could not be stored; the notifiers make that harmless where the far
 * side allows (Freshdesk's tag lookup before a create).
 *
 * At start, reconcile() queues a create for every open incident that lacks what a channel keeps for it
 * (a ticket) and has no pending work that would make it.
 */
import type { IncidentRecord } from '../incidents/incident.js';
import { redactError, redactSecrets } from '../secrets/redact.js';
import type { NotificationChannel, OutboxEntry, OutboxItem, OutboxResult } from '../store/records.js';
import type { Store } from '../store/store.js';
import { backoffDelayMs } from './backoff.js';
import { incidentTitle } from './incident-format.js';
import type { DeliveryOutcome, Notifier, NotifierStatus } from './notifier.js';
import { stderrNotifyLog, type NotifyLog } from './notify-log.js';

/** The part of the store the dispatcher uses. */
export type OutboxStore = Pick<Store, 'pendingOutbox' | 'markOutbox' | 'enqueueOutbox' | 'outboxItems' | 'incident' | 'addNotification'>;

export interface OutboxDispatcherOptions {
  store: OutboxStore;
  notifiers: readonly Notifier[];
  nowMs?: () => number;
  log?: NotifyLog;
  random?: () => number;
  /** Pending rows read per pass (default 1000); the rest wait for the next pass. */
  batchLimit?: number;
}

/** What one pass did, for logs and tests. */
export interface DispatchReport {
  delivered: number;
  superseded: number;
  failed: number;
  /** Attempts that failed and were scheduled again. */
  retried: number;
  /** Items still pending after the pass (in backoff, behind another, or their channel paused). */
  pending: number;
}

const emptyReport = (): DispatchReport => ({ delivered: 0, superseded: 0, failed: 0, retried: 0, pending: 0 });

export class OutboxDispatcher {
  readonly #store: OutboxStore;
  readonly #notifiers: Map<NotificationChannel, Notifier>;
  readonly #nowMs: () => number;
  readonly #log: NotifyLog;
  readonly #random: () => number;
  readonly #batchLimit: number;
  readonly #status = new Map<NotificationChannel, NotifierStatus>();
  #tail: Promise<unknown> = Promise.resolve();
  #waiting: Promise<DispatchReport> | null = null;
  #lastReadError: string | null = null;
  #warnedOrphans = false;

  constructor(options: OutboxDispatcherOptions) {
    this.#store = options.store;
    this.#notifiers = new Map();
    for (const notifier of options.notifiers) {
      if (this.#notifiers.has(notifier.channel)) {
        throw new Error(`notify.OutboxDispatcher: two notifiers for channel ${notifier.channel}; expected one per channel`);
      }
      if (!Number.isInteger(notifier.concurrency) || notifier.concurrency < 1) {
        throw new Error(`notify.OutboxDispatcher: ${notifier.channel} concurrency ${String(notifier.concurrency)}; expected a positive integer`);
      }
      this.#notifiers.set(notifier.channel, notifier);
      this.#status.set(notifier.channel, { channel: notifier.channel, queued: 0, lastError: null, lastErrorAtMs: null, lastSentAtMs: null });
    }
    this.#nowMs = options.nowMs ?? Date.now;
    this.#log = options.log ?? stderrNotifyLog;
    this.#random = options.random ?? Math.random;
    this.#batchLimit = options.batchLimit ?? 1000;
    if (!Number.isInteger(this.#batchLimit) || this.#batchLimit < 1) {
      throw new Error(`notify.OutboxDispatcher: batchLimit ${String(options.batchLimit)}; expected a positive integer`);
    }
  }

  /** The configured channels: each incident change gets one outbox row per channel. */
  get channels(): NotificationChannel[] {
    return [...this.#notifiers.keys()];
  }

  /**
   * One delivery pass. Passes never overlap: a call while one runs waits for it and then runs one more
   * (calls made meanwhile share that one). Never throws; problems are logged and stored.
   */
  dispatch(): Promise<DispatchReport> {
    if (this.#waiting !== null) return this.#waiting;
    const run = this.#tail.then(() => {
      this.#waiting = null;
      return this.#pass();
    });
    this.#waiting = run;
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Queues a create for every open incident a channel lacks something for (see Notifier.lacks) that
   * has no pending work on that channel. Returns how many items were queued. Throws when the store
   * cannot be read: start-up should not pretend to have reconciled.
   */
  async reconcile(open: readonly IncidentRecord[]): Promise<number> {
    const entries: OutboxEntry[] = [];
    const atMs = this.#nowMs();
    for (const notifier of this.#notifiers.values()) {
      if (notifier.lacks === undefined) continue;
      const pending = new Set((await this.#store.outboxItems({ channel: notifier.channel, state: 'pending' })).map((item) => item.incidentId));
      for (const incident of open) {
        if (incident.state !== 'open' || pending.has(incident.id)) continue;
        if (!(await notifier.lacks(incident))) continue;
        entries.push({
          channel: notifier.channel,
          change: { change: 'opened', incident, previous: null, reason: 'open at start without its ticket (start-up reconciliation)' },
          atMs,
        });
      }
    }
    if (entries.length > 0) {
      await this.#store.enqueueOutbox(entries);
      for (const entry of entries) {
        this.#log('warn', `${entry.channel}: ${incidentTitle(entry.change.incident)} is open without its ticket; queued a create`);
      }
    }
    return entries.length;
  }

  /** Per channel: what waits and the last failure and success, secrets scrubbed. */
  status(): NotifierStatus[] {
    return [...this.#status.values()].map((s) => ({ ...s }));
  }

  /** Waits for the pass in progress (if any); the notifiers are the caller's to close. */
  async close(): Promise<void> {
    await this.#tail;
  }

  async #pass(): Promise<DispatchReport> {
    const report = emptyReport();
    let items: OutboxItem[];
    try {
      // Every pending row (up to the limit), not only due ones: the counts in status() need them.
      items = await this.#store.pendingOutbox(Number.MAX_SAFE_INTEGER, this.#batchLimit);
      this.#lastReadError = null;
    } catch (error) {
      const message = redactError(error);
      // One line per outage, not one per round.
      if (message !== this.#lastReadError) this.#log('warn', `outbox: cannot read pending notifications: ${message}; trying again next round`);
      this.#lastReadError = message;
      return report;
    }
    const orphans = items.filter((item) => !this.#notifiers.has(item.channel));
    if (orphans.length > 0 && !this.#warnedOrphans) {
      this.#warnedOrphans = true;
      this.#log(
        'warn',
        `outbox: ${orphans.length} pending notification(s) for channel(s) not configured now (${[...new Set(orphans.map((o) => o.channel))].join(', ')}); kept until the channel is configured again`,
      );
    }
    await Promise.all(
      [...this.#notifiers.values()].map((notifier) =>
        this.#channelPass(
          notifier,
          items.filter((item) => item.channel === notifier.channel),
          report,
        ),
      ),
    );
    return report;
  }

  async #channelPass(notifier: Notifier, items: OutboxItem[], report: DispatchReport): Promise<void> {
    const status = this.#status.get(notifier.channel)!;
    let pending = items.length;
    const finish = () => {
      status.queued = pending;
      report.pending += pending;
    };
    if ((notifier.readyAtMs?.() ?? 0) > this.#nowMs()) return finish();
    const queues = new Map<string, OutboxItem[]>();
    for (const item of items) {
      const queue = queues.get(item.subjectKey);
      if (queue === undefined) queues.set(item.subjectKey, [item]);
      else queue.push(item);
    }
    const subjects = [...queues.values()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < subjects.length) {
        const queue = subjects[next++]!;
        for (const item of queue) {
          const nowMs = this.#nowMs();
          // The head in backoff holds its subject back; a paused channel holds everything back.
          if (item.nextAttemptAtMs > nowMs || (notifier.readyAtMs?.() ?? 0) > nowMs) break;
          const state = await this.#deliverOne(notifier, item, report);
          if (state === 'pending') break;
          pending -= 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(notifier.concurrency, subjects.length) }, worker));
    finish();
  }

  /** Hands one item to its notifier and stores the result; returns the item's state afterwards. */
  async #deliverOne(notifier: Notifier, item: OutboxItem, report: DispatchReport): Promise<OutboxResult['state']> {
    const status = this.#status.get(notifier.channel)!;
    let current: IncidentRecord | null = null;
    try {
      current = await this.#store.incident(item.incidentId);
    } catch {
      // Judged without it; the result write below tells whether the store is there.
    }
    let outcome: DeliveryOutcome;
    try {
      outcome = await notifier.deliver(item, { nowMs: this.#nowMs(), current });
    } catch (error) {
      outcome = { kind: 'retry', error: redactError(error) };
    }
    const atMs = this.#nowMs();
    const attempts = item.attempts + 1;
    let result: OutboxResult;
    switch (outcome.kind) {
      case 'delivered':
        result = { state: 'delivered', atMs, detail: redactSecrets(outcome.detail) };
        break;
      case 'superseded':
        result = { state: 'superseded', atMs, detail: redactSecrets(outcome.detail) };
        break;
      case 'failed':
        result = { state: 'failed', atMs, error: redactSecrets(outcome.error) };
        break;
      case 'retry': {
        const error = redactSecrets(outcome.error);
        if (attempts >= notifier.maxAttempts) {
          result = { state: 'failed', atMs, error: `gave up after ${attempts} attempts: ${error}` };
          break;
        }
        const backoffMs = backoffDelayMs(item.attempts, notifier.retryBackoff, this.#random);
        result = { state: 'pending', atMs, error, nextAttemptAtMs: Math.max(atMs + backoffMs, outcome.notBeforeMs ?? 0) };
        break;
      }
    }
    try {
      await this.#store.markOutbox(item.id, result);
    } catch (error) {
      this.#log('warn', `${notifier.channel}: could not store the result of notification ${item.id} (${result.state}): ${redactError(error)}; it stays pending and may be sent again`);
      return 'pending';
    }
    const what = `${notifier.channel}: ${item.change.change} ${incidentTitle(item.change.incident)}`;
    switch (result.state) {
      case 'delivered': {
        report.delivered += 1;
        status.lastSentAtMs = atMs;
        const after = item.attempts > 0 ? ` (after ${item.attempts} failed attempt${item.attempts === 1 ? '' : 's'})` : '';
        this.#log('info', `${what}: ${result.detail}${after}`);
        await this.#record(item, 'sent', `${result.detail}${after}`);
        break;
      }
      case 'superseded':
        report.superseded += 1;
        this.#log('info', `${what}: not sent: ${result.detail}`);
        break;
      case 'failed':
        report.failed += 1;
        status.lastError = result.error;
        status.lastErrorAtMs = atMs;
        this.#log('error', `${what} failed, not retried: ${result.error}`);
        await this.#record(item, 'failed', result.error);
        break;
      case 'pending':
        report.retried += 1;
        status.lastError = result.error;
        status.lastErrorAtMs = atMs;
        this.#log('warn', `${what} queued for retry at ${new Date(result.nextAttemptAtMs).toISOString()}: ${result.error}`);
        // One record when the item starts waiting, not one per retry.
        if (item.attempts === 0) await this.#record(item, 'queued', result.error);
        break;
    }
    return result.state;
  }

  async #record(item: OutboxItem, status: 'sent' | 'queued' | 'failed', detail: string): Promise<void> {
    try {
      await this.#store.addNotification({ atMs: this.#nowMs(), channel: item.channel, subjectKeys: [item.subjectKey], status, detail: redactSecrets(detail) });
    } catch (error) {
      this.#log('warn', `${item.channel}: could not record the notification (${status}): ${redactError(error)}`);
    }
  }
}
