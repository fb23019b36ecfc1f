/**
 * The batching writer between the probing loop and the database. `add()` only queues and returns: it
 * never waits for the database, so a slow or absent database cannot delay a probe round. Rows are
 * written in batches (every `batchRows` rows, or `flushIntervalMs` after the first unwritten row).
 *
 * When a write fails the rows stay queued, in order: up to `maxMemoryRows` in memory, the rest
 * appended to JSONL files in `spillDir` (see spill-queue.ts). Retries back off from `retryInitialMs` to
 * `retryMaxMs`. When the database answers again, the writer sends memory first, then the spill files
 * oldest first, then whatever arrived meanwhile: the order rows were added. A write whose acknowledgement
 * was lost is simply sent again; the rounds table ignores rows it already has, so nothing doubles.
 *
 * A batch the database refuses for a reason other than being unreachable (a value it will not store)
 * is tried `maxRejectAttempts` times, then set aside in `spillDir/rejected-*.jsonl` for a person to
 * look at, so one bad row cannot stop every later round from being written.
 *
 * Timers come in through `timers`, so unit tests drive time by hand and never sleep.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoundResultRecord } from './records.js';
import { SpillQueue } from './spill-queue.js';
import { StoreError, isUnreachable } from './store-error.js';

export interface WriterTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: WriterTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ResultWriterOptions {
  /** Rows per INSERT; also the count that triggers an immediate write. Default 1000. */
  batchRows?: number;
  /** A row waits at most this long before a write starts. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Rows kept in memory while the database is down; beyond this they go to spillDir. Default 100,000. */
  maxMemoryRows?: number;
  /** Where overflow is spilled. Without it, overflow drops the oldest rows (counted in `dropped`). */
  spillDir?: string | null;
  retryInitialMs?: number;
  retryMaxMs?: number;
  maxRejectAttempts?: number;
  timers?: WriterTimers;
  /** Told of each failed write (already free of secrets); the writer keeps going either way. */
  onError?: (error: Error) => void;
}

export interface ResultWriterStats {
  /** Rows the database accepted (a replayed row it already had counts too). */
  written: number;
  /** Rows waiting in memory. */
  buffered: number;
  /** Rows waiting in spill files. */
  spilled: number;
  /** Rows ever written to spill files. */
  spilledTotal: number;
  /** Rows lost because memory was full and there is no spillDir. */
  dropped: number;
  /** Rows the database refused and that were set aside in rejected-*.jsonl. */
  rejected: number;
  failedWrites: number;
  /** 'retrying' while the database is failing. */
  state: 'ok' | 'retrying' | 'closed';
  lastError: string | null;
  lastErrorAtMs: number | null;
}

export type ResultSink = (rows: RoundResultRecord[]) => Promise<void>;

export class ResultWriter {
  private readonly batchRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxMemoryRows: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRejectAttempts: number;
  private readonly timers: WriterTimers;
  private readonly spill: SpillQueue<RoundResultRecord> | null;

  private memory: RoundResultRecord[] = [];
  /** The oldest spill file's rows while it is being written, and how many of them are written. */
  private spillHead: RoundResultRecord[] | null = null;
  private spillHeadDone = 0;

  private timer: unknown = null;
  private writing: Promise<void> | null = null;
  private failing = false;
  private retryDelayMs: number;
  private rejectAttempts = 0;
  private closed = false;
  private readonly counters = { written: 0, spilledTotal: 0, dropped: 0, rejected: 0, failedWrites: 0 };
  private lastError: string | null = null;
  private lastErrorAtMs: number | null = null;

  constructor(private readonly sink: ResultSink, private readonly options: ResultWriterOptions = {}) {
    this.batchRows = positive(options.batchRows ?? 1000, 'batchRows');
    this.flushIntervalMs = positive(options.flushIntervalMs ?? 1000, 'flushIntervalMs');
    this.maxMemoryRows = positive(options.maxMemoryRows ?? 100_000, 'maxMemoryRows');
    this.retryInitialMs = positive(options.retryInitialMs ?? 500, 'retryInitialMs');
    this.retryMaxMs = positive(options.retryMaxMs ?? 30_000, 'retryMaxMs');
    this.maxRejectAttempts = positive(options.maxRejectAttempts ?? 3, 'maxRejectAttempts');
    this.timers = options.timers ?? realTimers;
    this.retryDelayMs = this.retryInitialMs;
    this.spill = options.spillDir ? new SpillQueue<RoundResultRecord>(options.spillDir) : null;
    // Rows spilled by an earlier process on this directory go out first.
    if (this.spill && this.spill.rowCount > 0) this.schedule(0);
  }

  /** Queues rows and returns at once. */
  add(rows: readonly RoundResultRecord[]): void {
    if (this.closed) {
      throw new StoreError('closed', '', 'store.ResultWriter.add: writer is closed; expected add() before close()');
    }
    if (rows.length === 0) return;
    const spilling = this.spill !== null && (this.spill.rowCount > 0 || this.spillHead !== null);
    if (spilling) {
      this.toSpill(rows);
    } else {
      const room = Math.max(0, this.maxMemoryRows - this.memory.length);
      for (let i = 0; i < Math.min(room, rows.length); i++) this.memory.push(rows[i]!);
      if (rows.length > room) {
        if (this.spill) this.toSpill(rows.slice(room));
        else this.dropOldest(rows.slice(room));
      }
    }
    if (this.failing) return; // the retry timer is already set
    if (this.memory.length >= this.batchRows) this.kick(false);
    else if (this.timer === null && this.writing === null) this.schedule(this.flushIntervalMs);
  }

  /** Writes everything queued now; throws StoreError 'unreachable' (rows kept) if the database fails. */
  async flush(): Promise<void> {
    this.cancelTimer();
    if (this.writing) await this.writing;
    this.failing = false;
    this.kick(true);
    if (this.writing) await this.writing;
    if (this.pendingRows() > 0) {
      throw new StoreError('unreachable', '',
        `store.ResultWriter.flush: ${this.pendingRows()} rows still queued (${this.lastError ?? 'write failed'}); expected the database to accept them`);
    }
  }

  /**
   * Stops the writer: one last attempt to write everything; if the database is still failing, the
   * memory buffer goes to the spill directory (written first by the next writer on it). Never throws.
   */
  async close(): Promise<ResultWriterStats> {
    if (this.closed) return this.stats();
    try {
      await this.flush();
    } catch {
      if (this.spill && this.memory.length > 0) {
        this.spill.prepend(this.memory);
        this.counters.spilledTotal += this.memory.length;
        this.memory = [];
      }
    }
    this.closed = true;
    this.cancelTimer();
    return this.stats();
  }

  stats(): ResultWriterStats {
    return {
      ...this.counters,
      buffered: this.memory.length,
      spilled: this.spill ? this.spill.rowCount - this.spillHeadDone : 0,
      state: this.closed ? 'closed' : this.failing ? 'retrying' : 'ok',
      lastError: this.lastError,
      lastErrorAtMs: this.lastErrorAtMs,
    };
  }

  private pendingRows(): number {
    return this.memory.length + (this.spill ? this.spill.rowCount - this.spillHeadDone : 0);
  }

  /** Starts writing: every queued row (`all`, on a timer, a retry or flush) or only full batches. */
  private kick(all: boolean): void {
    if (this.writing || this.closed) return;
    this.writing = this.drain(all).finally(() => { this.writing = null; });
  }

  private schedule(delayMs: number): void {
    this.cancelTimer();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.kick(true);
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Writes batches until everything queued (or every full batch) is written, or a write fails. */
  private async drain(all: boolean): Promise<void> {
    for (;;) {
      const next = this.nextBatch();
      if (!next || (!all && next.rows.length < this.batchRows)) break;
      try {
        await this.sink(next.rows);
      } catch (err) {
        if (this.handleFailure(err, next)) continue;
        return;
      }
      this.rejectAttempts = 0;
      this.failing = false;
      this.retryDelayMs = this.retryInitialMs;
      this.counters.written += next.rows.length;
      this.consume(next);
    }
    // Fewer rows than a batch left (or added while the last batch was in flight): wait for the interval.
    if (this.pendingRows() > 0 && this.timer === null) this.schedule(this.flushIntervalMs);
  }

  /** Returns true when the batch was set aside and draining may go on. */
  private handleFailure(err: unknown, batch: Batch): boolean {
    const error = err instanceof Error ? err : new Error(String(err));
    this.counters.failedWrites++;
    this.lastError = error.message;
    this.lastErrorAtMs = this.timers.now();
    this.options.onError?.(error);
    if (!isUnreachable(err) && ++this.rejectAttempts >= this.maxRejectAttempts) {
      this.setAside(batch, error);
      return true;
    }
    this.failing = true;
    this.schedule(this.retryDelayMs);
    this.retryDelayMs = Math.min(this.retryMaxMs, this.retryDelayMs * 2);
    return false;
  }

  private setAside(batch: Batch, error: Error): void {
    this.rejectAttempts = 0;
    this.counters.rejected += batch.rows.length;
    if (this.options.spillDir) {
      const file = join(this.options.spillDir, `rejected-${this.timers.now()}-${this.counters.rejected}.jsonl`);
      writeFileSync(file, `${JSON.stringify({ error: error.message })}\n${batch.rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    }
    this.consume(batch);
  }

  private nextBatch(): Batch | null {
    if (this.memory.length > 0) return { from: 'memory', rows: this.memory.slice(0, this.batchRows) };
    if (!this.spill) return null;
    while (this.spillHead === null || this.spillHeadDone >= this.spillHead.length) {
      if (this.spillHead !== null) {
        this.spill.dropOldest();
        this.spillHead = null;
        this.spillHeadDone = 0;
      }
      const rows = this.spill.readOldest();
      if (rows === null) return null;
      this.spillHead = rows;
      if (rows.length === 0) continue;
    }
    return { from: 'spill', rows: this.spillHead.slice(this.spillHeadDone, this.spillHeadDone + this.batchRows) };
  }

  private consume(batch: Batch): void {
    if (batch.from === 'memory') {
      this.memory.splice(0, batch.rows.length);
      return;
    }
    this.spillHeadDone += batch.rows.length;
    if (this.spillHead && this.spillHeadDone >= this.spillHead.length && this.spill) {
      this.spill.dropOldest();
      this.spillHead = null;
      this.spillHeadDone = 0;
    }
  }

  private toSpill(rows: readonly RoundResultRecord[]): void {
    this.spill!.append(rows);
    this.counters.spilledTotal += rows.length;
  }

  private dropOldest(overflow: readonly RoundResultRecord[]): void {
    // Memory is full and there is nowhere to spill: keep the newest rows, they matter most to an operator.
    this.memory.splice(0, overflow.length);
    for (const row of overflow) this.memory.push(row);
    if (this.memory.length > this.maxMemoryRows) this.memory.splice(0, this.memory.length - this.maxMemoryRows);
    this.counters.dropped += overflow.length;
  }
}

interface Batch { from: 'memory' | 'spill'; rows: RoundResultRecord[] }

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new StoreError('bad-value', '', `store.ResultWriter: ${name} is ${value}; expected a positive number`);
  }
  return value;
}
