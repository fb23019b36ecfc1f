/**
 * Drains the ingest queue into the store, a batch per statement, and hands each stored event (with its
 * id) to the listeners: correlation and remediation see only events that are in the database, so a
 * crash between the two loses no evidence and an action never refers to an event that is not there.
 *
 * One write at a time: while a batch is written, new lines gather into the next one, so batches grow
 * with the load and the per-statement cost shrinks as it rises. A failed write is logged, counted and
 * retried after a pause that grows to 5 s; the batch stays queued meanwhile (UDP then drops at the
 * bound, TCP pauses), so nothing accepted is lost while the database is away.
 */
import type { SqlClient } from '../store/sql-client.js';
import { addSenderCounts, insertEvents, type SenderDelta } from './event-queries.js';
import type { SyslogIngest } from './syslog-ingest.js';
import type { SyslogEvent } from './syslog-event.js';

export type EventListener = (event: SyslogEvent) => void;

export interface EventWriterOptions {
  log?: (line: string) => void;
  /** How often sender counts and suppression reports are flushed. */
  tickMs?: number;
}

const MAX_RETRY_MS = 5000;

export class EventWriter {
  private readonly listeners = new Set<EventListener>();
  private running = false;
  private closed = false;
  private retryMs = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly tick: NodeJS.Timeout;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly ingest: SyslogIngest,
    private readonly db: SqlClient,
    private readonly options: EventWriterOptions = {},
  ) {
    ingest.onQueued = () => this.kick();
    this.tick = setInterval(() => {
      if (this.ingest.reportSuppressed() === 0) this.kick(true);
    }, options.tickMs ?? 1000);
    this.tick.unref();
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a write unless one is running or a retry is pending. `countsOnly`: flush sender counts even with no events. */
  kick(countsOnly = false): void {
    if (this.running || this.retryTimer || (this.ingest.counters.queued === 0 && !countsOnly)) return;
    this.running = true;
    this.idle = this.drain().finally(() => {
      this.running = false;
    });
  }

  /** Writes everything queued (suppression counts included), then stops the timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.ingest.reportSuppressed(true);
    clearInterval(this.tick);
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    // One last attempt at what is queued; a database that is away now loses the queue, which is logged.
    await this.idle;
    this.closed = true;
    await this.drain();
    const left = this.ingest.counters.queued;
    if (left > 0) this.options.log?.(`syslog: closing with ${left} event(s) not stored: ${this.ingest.counters.lastStoreError ?? 'unknown error'}`);
  }

  private async drain(): Promise<void> {
    const { batchSize } = this.ingest.settings;
    for (;;) {
      const batch = this.ingest.peek(batchSize);
      const deltas = this.ingest.takeSenderDeltas();
      if (batch.length === 0 && deltas.length === 0) return;
      const counts = merged([...deltas, ...storedCounts(batch)]);
      try {
        // Events and counts in one transaction: a retry after a failure neither doubles nor loses either.
        const ids = await this.db.transaction(async (tx) => {
          const stored = await insertEvents(tx, batch, this.db);
          await addSenderCounts(tx, counts);
          return stored;
        });
        for (let i = 0; i < batch.length; i++) batch[i]!.id = ids[i]!;
        this.ingest.counters.stored += batch.length;
        this.ingest.commit(batch.length);
        this.retryMs = 0;
      } catch (error) {
        this.ingest.restoreSenderDeltas(deltas);
        this.ingest.counters.storeErrors++;
        this.ingest.counters.lastStoreError = (error as Error).message;
        if (this.closed) return;
        this.retryMs = Math.min(MAX_RETRY_MS, Math.max(100, this.retryMs * 2));
        this.options.log?.(`syslog: storing ${batch.length} event(s) failed: ${(error as Error).message}; kept, retrying in ${this.retryMs} ms`);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.kick(true);
        }, this.retryMs);
        this.retryTimer.unref();
        return;
      }
      for (const event of batch) this.emit(event);
      if (this.ingest.counters.queued === 0) return;
    }
  }

  private emit(event: SyslogEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.ingest.counters.listenerErrors++;
        this.options.log?.(`syslog: an event listener failed on event ${event.id}: ${(error as Error).message}`);
      }
    }
  }
}

/** The `stored` count each sender gets from a batch. */
function storedCounts(batch: readonly SyslogEvent[]): SenderDelta[] {
  const bySender = new Map<string, SenderDelta>();
  for (const event of batch) {
    let delta = bySender.get(event.sourceAddress);
    if (!delta) {
      delta = {
        sourceAddress: event.sourceAddress,
        host: event.sourceAddress,
        firstSeenMs: event.receivedAtMs,
        lastSeenMs: event.receivedAtMs,
        received: 0,
        stored: 0,
        unparsed: 0,
        truncated: 0,
        invalidUtf8: 0,
        suppressed: 0,
        dropped: 0,
      };
      bySender.set(event.sourceAddress, delta);
    }
    delta.stored++;
  }
  return [...bySender.values()];
}

/** One delta per sender. */
function merged(deltas: readonly SenderDelta[]): SenderDelta[] {
  const bySender = new Map<string, SenderDelta>();
  for (const delta of deltas) {
    const now = bySender.get(delta.sourceAddress);
    if (!now) {
      bySender.set(delta.sourceAddress, { ...delta });
      continue;
    }
    now.host = delta.host !== delta.sourceAddress ? delta.host : now.host;
    now.firstSeenMs = Math.min(now.firstSeenMs, delta.firstSeenMs);
    now.lastSeenMs = Math.max(now.lastSeenMs, delta.lastSeenMs);
    for (const key of ['received', 'stored', 'unparsed', 'truncated', 'invalidUtf8', 'suppressed', 'dropped'] as const) now[key] += delta[key];
  }
  return [...bySender.values()];
}
