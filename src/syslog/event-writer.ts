/**
 * Drains the ingest queue into the store, a batch per statement, and hands each stored event (with its
 * id) to the listeners: correlation and remediation see only events that are in the database, so a
 * crash between the two loses no evidence and an action never refers to an event that is not there.
 *
 * While a batch is written, new lines gather into the next one, so batches grow with the load and the
 * per-statement cost shrinks as it rises. On the server, a backlog of a full batch or more is written
 * on a second connection beside the first (PARALLEL_WRITES); ids are still drawn, commits made and
 * events handed on in the order received, and a batch commits only after the one before it, so a
 * failure leaves the queue exactly as a single writer would. A failed write is logged, counted and
 * retried after a pause that grows to 5 s; the batch stays queued meanwhile (UDP then drops at the
 * bound, TCP pauses), so nothing accepted is lost while the database is away.
 */
import type { SqlClient } from '../store/sql-client.js';
import { addSenderCounts, insertEventsWithIds, nextEventIds, type SenderDelta } from './event-queries.js';
import type { SyslogIngest } from './syslog-ingest.js';
import type { SyslogEvent } from './syslog-event.js';

export type EventListener = (event: SyslogEvent) => void;

export interface EventWriterOptions {
  log?: (line: string) => void;
  /** How often sender counts and suppression reports are flushed. */
  tickMs?: number;
}

const MAX_RETRY_MS = 5000;
/**
 * Batches written at once on the server. The server's share of storing an event (heap and index
 * inserts) is as large as the receiver's share of reading it, and one connection does it on one
 * core; a second lets a backlog be stored on two.
 */
const PARALLEL_WRITES = 2;

/** A batch being written. */
interface Flight {
  batch: SyslogEvent[];
  deltas: SenderDelta[];
  /** Settles once the batch's ids are drawn (or its transaction failed). */
  idsDrawn: Promise<void>;
  /** The ids, once committed. */
  stored: Promise<number[]>;
}

export class EventWriter {
  private readonly listeners = new Set<EventListener>();
  private running = false;
  private closed = false;
  private retryMs = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly tick: NodeJS.Timeout;
  private idle: Promise<void> = Promise.resolve();
  /** While a drain runs: starts a parallel write if a full batch is waiting behind the ones in flight. */
  private topUp: (() => void) | null = null;

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
    if (this.running) this.topUp?.();
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
    const depth = this.db.copyFrom ? PARALLEL_WRITES : 1;
    const flights: Flight[] = [];
    let taken = 0; // events in flights, still at the head of the queue
    const launch = (batch: SyslogEvent[], deltas: SenderDelta[]): void => {
      const previous = flights.at(-1);
      const counts = merged([...deltas, ...storedCounts(batch)]);
      let drawn!: () => void;
      const idsDrawn = new Promise<void>((resolve) => {
        drawn = resolve;
      });
      // Events and counts in one transaction: a retry after a failure neither doubles nor loses either.
      const stored = this.db.transaction(async (tx) => {
        let ids: number[];
        try {
          // Ids are drawn in queue order, so ids keep the order in which lines were received.
          if (previous) await previous.idsDrawn;
          ids = await nextEventIds(tx, batch.length);
        } finally {
          drawn();
        }
        await insertEventsWithIds(tx, batch, ids, this.db);
        // Commits in queue order: a batch whose predecessor failed rolls back, and both are retried.
        if (previous) await previous.stored;
        await addSenderCounts(tx, counts);
        return ids;
      });
      stored.then(drawn, drawn); // a transaction that failed before drawing must not hold up the next
      flights.push({ batch, deltas, idsDrawn, stored });
      taken += batch.length;
    };
    // Under a backlog of at least a full batch, the next batch is written beside the current one.
    this.topUp = () => {
      if (flights.length === 0 || flights.length >= depth || this.ingest.counters.queued - taken < batchSize) return;
      launch(this.ingest.peek(batchSize, taken), this.ingest.takeSenderDeltas());
    };
    try {
      for (;;) {
        if (flights.length === 0) {
          const batch = this.ingest.peek(batchSize);
          const deltas = this.ingest.takeSenderDeltas();
          if (batch.length === 0 && deltas.length === 0) return;
          launch(batch, deltas);
        }
        this.topUp();
        const flight = flights[0]!;
        let ids: number[];
        try {
          ids = await flight.stored;
        } catch (error) {
          // Every later flight fails with it (each commits only after this one), so all stay queued.
          this.topUp = null;
          for (const later of flights) {
            await later.stored.catch(() => undefined);
            this.ingest.restoreSenderDeltas(later.deltas);
          }
          this.failed(flight.batch.length + flights.slice(1).reduce((n, later) => n + later.batch.length, 0), error as Error);
          return;
        }
        flights.shift();
        taken -= flight.batch.length;
        const { batch } = flight;
        for (let i = 0; i < batch.length; i++) batch[i]!.id = ids[i]!;
        this.ingest.counters.stored += batch.length;
        this.ingest.commit(batch.length);
        this.retryMs = 0;
        for (const event of batch) this.emit(event);
        if (flights.length === 0 && this.ingest.counters.queued === 0) return;
      }
    } finally {
      this.topUp = null;
    }
  }

  /** A write failed: counted, logged, retried after a pause that doubles up to MAX_RETRY_MS. */
  private failed(events: number, error: Error): void {
    this.ingest.counters.storeErrors++;
    this.ingest.counters.lastStoreError = error.message;
    if (this.closed) return;
    this.retryMs = Math.min(MAX_RETRY_MS, Math.max(100, this.retryMs * 2));
    this.options.log?.(`syslog: storing ${events} event(s) failed: ${error.message}; kept, retrying in ${this.retryMs} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick(true);
    }, this.retryMs);
    this.retryTimer.unref();
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
