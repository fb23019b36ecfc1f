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
 * When the spill directory refuses rows too (a full disk, a read-only or vanished directory), nothing
 * is lost quietly. The refused rows are kept in memory, after everything spilled, up to
 * `maxUnsavedRows` (default 100,000, so at most `maxMemoryRows + maxUnsavedRows` rows are ever held in
 * memory); beyond that bound the oldest of them are dropped and counted in `dropped`. Every add() while
 * rows are held so tries the spill directory again and, if it still refuses, calls `onSpillError`: once
 * per round, for the monitor to log as an error. `stats()` carries `unsaved`, `spillFailures` and
 * `dropped` for /api/status and /metrics, and a writer that closes still holding rows says so in
 * `stats().unsaved`, so `pathmon run` can exit non-zero. A failed spill write leaves no torn rows and
 * no temporary file behind (spill-queue.ts).
 *
 * A batch the database refuses for a reason other than being unreachable (a value it will not store)
 * is tried `maxRejectAttempts` times, then set aside in `spillDir/rejected-*.jsonl` for a person to
 * look at, so one bad row cannot stop every later round from being written.
 *
 * With a spill directory, rows held in memory are also journaled (round-journal.ts): add() appends them
 * to a journal segment in `spillDir` with one synchronous write before it returns, so a round the
 * monitor counts after add() survives a kill -9 (not a power loss, unless `journalFsync`). Segments are
 * deleted as their rows are written, and a new writer on the directory sends the rows of segments an
 * earlier process left first (they are older than anything it spilled), then its spill files. Rows sent
 * again that the database already had are ignored by it. A journal append that fails is reported like a
 * spill failure (onSpillError, `spillFailures`); the rows stay in memory and `stats().unjournaled`
 * counts them until they are written.
 *
 * Timers come in through `timers`, so unit tests drive time by hand and never sleep.
 */
import { systemClock, type Clock } from '../clock.js';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PathmonError } from '../pathmon-error.js';
import type { RoundResultRecord } from './records.js';
import { RoundJournal } from './round-journal.js';
import { SpillQueue } from './spill-queue.js';
import { StoreError, isUnreachable } from './store-error.js';

/** The writer's slice of the application clock: wall time and timers. */
export type WriterTimers = Pick<Clock, 'nowMs' | 'setTimeout' | 'clearTimeout'>;

export const realTimers: WriterTimers = systemClock;

export interface ResultWriterOptions {
  /** Rows per INSERT; also the count that triggers an immediate write. Default 1000. */
  batchRows?: number;
  /** A row waits at most this long before a write starts. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Rows kept in memory while the database is down; beyond this they go to spillDir. Default 100,000. */
  maxMemoryRows?: number;
  /** Where overflow is spilled. Without it, overflow drops the oldest rows (counted in `dropped`). */
  spillDir?: string | null;
  /**
   * Rows the spill directory refused, kept in memory until it takes them or the database does. Beyond
   * this the oldest are dropped (counted in `dropped`). Default 100,000.
   */
  maxUnsavedRows?: number;
  /**
   * Journal rows held in memory in `spillDir` before add() returns, so a kill -9 loses none. Default
   * true when there is a spill directory (there is nowhere to journal without one).
   */
  journal?: boolean;
  /** fsync each journal append: survives a power loss too, at a disk flush per round. Default false. */
  journalFsync?: boolean;
  retryInitialMs?: number;
  retryMaxMs?: number;
  maxRejectAttempts?: number;
  timers?: WriterTimers;
  /** Told of each failed write (already free of secrets); the writer keeps going either way. */
  onError?: (error: Error) => void;
  /**
   * Told whenever rows could be neither written nor spilled: on every add() while the spill directory
   * refuses them (once per round), when rows are dropped, and at close if rows are left. An error, not
   * a warning: these rows are lost if the process ends.
   */
  onSpillError?: (error: SpillError, stats: ResultWriterStats) => void;
}

/**
 * Rows that could be neither written nor spilled. `code`: `spill-failed` (the spill directory refused
 * them; they are held in memory), `rows-dropped` (beyond the memory bound, or no spill directory),
 * `unsaved-at-close` (the writer closed still holding rows). `cause` is the file system's error.
 */
export class SpillError extends PathmonError {
  override name = 'SpillError';
  constructor(
    readonly code: 'spill-failed' | 'rows-dropped' | 'unsaved-at-close',
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
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
  /**
   * Rows held only in memory because the spill directory refused them; after close, every row neither
   * written nor on disk (lost when the process ends).
   */
  unsaved: number;
  /** Rows lost: memory full with no spillDir, beyond maxUnsavedRows, or refused and not set aside. */
  dropped: number;
  /**
   * Rows held in memory whose journal append failed: lost if the process is killed before they are
   * written. Always 0 without a journal (no spill directory), where every held row is in memory only.
   */
  unjournaled: number;
  /** Rows read back from an earlier process's journal at start (sent again; the database ignores doubles). */
  replayedFromJournal: number;
  /** Spill-directory writes (and reads) that failed, journal appends included. */
  spillFailures: number;
  lastSpillError: string | null;
  /** Rows the database refused and that were set aside in rejected-*.jsonl. */
  rejected: number;
  failedWrites: number;
  /** 'retrying' while the database is failing. */
  state: 'ok' | 'retrying' | 'closed';
  lastError: string | null;
  lastErrorAtMs: number | null;
}

/**
 * What a monitor view shows of its result writer, for /api/status and /metrics. Optional: `pathmon run`'s
 * view has it, views over recorded data need not.
 */
export interface ResultWriterView {
  resultWriter?(): ResultWriterStats;
}

export type ResultSink = (rows: RoundResultRecord[]) => Promise<void>;

export class ResultWriter {
  private readonly batchRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxMemoryRows: number;
  private readonly maxUnsavedRows: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRejectAttempts: number;
  private readonly timers: WriterTimers;
  private readonly spill: SpillQueue<RoundResultRecord> | null;
  private readonly journal: RoundJournal<RoundResultRecord> | null;
  /** Set at close: held rows that are still on disk in the journal (the next writer sends them). */
  private journaledAtClose = 0;
  private replayedFromJournal = 0;

  private memory: RoundResultRecord[] = [];
  /** Rows newer than everything spilled that the spill directory refused: written after the spill files. */
  private unspilled: RoundResultRecord[] = [];
  /** The batch being written now, so add() leaves the rows it holds where they are. */
  private inFlight: Batch | null = null;
  /** The oldest spill file's rows while it is being written, and how many of them are written. */
  private spillHead: RoundResultRecord[] | null = null;
  private spillHeadDone = 0;

  private timer: unknown = null;
  private writing: Promise<void> | null = null;
  private failing = false;
  private retryDelayMs: number;
  private rejectAttempts = 0;
  private closed = false;
  private readonly counters = { written: 0, spilledTotal: 0, dropped: 0, rejected: 0, failedWrites: 0, spillFailures: 0 };
  private lastError: string | null = null;
  private lastSpillError: string | null = null;
  private lastErrorAtMs: number | null = null;
  /** onSpillError calls so far: lets add() report at most once. */
  private reports = 0;

  constructor(
    private readonly sink: ResultSink,
    private readonly options: ResultWriterOptions = {},
  ) {
    this.batchRows = positive(options.batchRows ?? 1000, 'batchRows');
    this.flushIntervalMs = positive(options.flushIntervalMs ?? 1000, 'flushIntervalMs');
    this.maxMemoryRows = positive(options.maxMemoryRows ?? 100_000, 'maxMemoryRows');
    this.maxUnsavedRows = positive(options.maxUnsavedRows ?? 100_000, 'maxUnsavedRows');
    this.retryInitialMs = positive(options.retryInitialMs ?? 500, 'retryInitialMs');
    this.retryMaxMs = positive(options.retryMaxMs ?? 30_000, 'retryMaxMs');
    this.maxRejectAttempts = positive(options.maxRejectAttempts ?? 3, 'maxRejectAttempts');
    this.timers = options.timers ?? realTimers;
    this.retryDelayMs = this.retryInitialMs;
    this.spill = options.spillDir ? openSpill(options.spillDir) : null;
    this.journal = options.spillDir && options.journal !== false ? openJournal(options.spillDir, this.batchRows, options.journalFsync === true) : null;
    if (this.journal) {
      // An earlier process's held rows are older than anything it spilled (memory is written before the
      // spill files, and nothing enters memory while spill files wait): they go first.
      this.memory = this.journal.recovered;
      this.journal.recovered = [];
      this.replayedFromJournal = this.memory.length;
    }
    // Rows journaled or spilled by an earlier process on this directory go out first.
    if ((this.spill && this.spill.rowCount > 0) || this.memory.length > 0) this.schedule(0);
  }

  /** Queues rows and returns at once. */
  add(rows: readonly RoundResultRecord[]): void {
    if (this.closed) {
      throw new StoreError('closed', '', 'store.ResultWriter.add: writer is closed; expected add() before close()');
    }
    if (rows.length === 0) return;
    const spilling = this.spill !== null && (this.spill.rowCount > 0 || this.spillHead !== null || this.unspilled.length > 0);
    const reportsBefore = this.reports;
    let journalError: unknown = null;
    if (spilling) {
      this.toSpill(rows, 'add');
    } else {
      const room = Math.max(0, this.maxMemoryRows - this.memory.length);
      const toMemory = room >= rows.length ? rows : rows.slice(0, room);
      journalError = this.toJournal(toMemory);
      for (const row of toMemory) this.memory.push(row);
      if (rows.length > room) {
        if (this.spill) this.toSpill(rows.slice(room), 'add');
        else this.dropOldest(rows.slice(room));
      }
    }
    // One report per add(), i.e. per round: a spill failure in the same add() already said the disk refuses.
    if (journalError !== null && this.reports === reportsBefore) {
      this.report(
        'spill-failed',
        `cannot journal ${this.journal!.unjournaled} held row(s) in ${this.journal!.dir} (lost if the process is killed before they are written): ${errorText(journalError)}`,
        journalError,
      );
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
      throw new StoreError('unreachable', '', `store.ResultWriter.flush: ${this.pendingRows()} rows still queued (${this.lastError ?? 'write failed'}); expected the database to accept them`);
    }
  }

  /**
   * Stops the writer: one last attempt to write everything; if the database is still failing, the
   * memory buffer goes to the spill directory (written first by the next writer on it). Never throws:
   * rows that end up nowhere are reported to onSpillError and left in `stats().unsaved`.
   */
  async close(): Promise<ResultWriterStats> {
    if (this.closed) return this.stats();
    try {
      await this.flush();
    } catch {
      if (this.spill && this.memory.length > 0) {
        try {
          this.spill.prepend(this.memory);
          this.counters.spilledTotal += this.memory.length;
          const spilled = this.memory.length;
          this.memory = [];
          this.releaseJournal(spilled);
        } catch (error) {
          this.spillFailed(error, `cannot spill ${this.memory.length} row(s) to ${this.spill.dir} at close`);
        }
      }
      if (this.spill && this.unspilled.length > 0) this.toSpill([], 'close');
    }
    // Held rows still in the journal are not lost: the next writer on the directory sends them.
    this.journaledAtClose = this.journal?.rowsOnDisk() ?? 0;
    this.closed = true;
    this.cancelTimer();
    const stats = this.stats();
    if (stats.unsaved > 0) {
      this.options.onSpillError?.(
        new SpillError(
          'unsaved-at-close',
          `store.ResultWriter.close: ${stats.unsaved} round result row(s) could be neither written (${this.lastError ?? 'database unavailable'}) nor spilled` +
            `${this.spill ? ` to ${this.spill.dir} (${this.lastSpillError ?? 'not tried'})` : ' (no spill directory)'}, and are lost when this process ends; expected the database or free space in the spill directory`,
        ),
        stats,
      );
    }
    return stats;
  }

  stats(): ResultWriterStats {
    const held = this.memory.length + this.unspilled.length;
    return {
      ...this.counters,
      buffered: held,
      unsaved: this.closed ? Math.max(0, held - this.journaledAtClose) : this.unspilled.length,
      unjournaled: this.journal?.unjournaled ?? 0,
      replayedFromJournal: this.replayedFromJournal,
      lastSpillError: this.lastSpillError,
      spilled: this.spill ? this.spill.rowCount - this.spillHeadDone : 0,
      state: this.closed ? 'closed' : this.failing ? 'retrying' : 'ok',
      lastError: this.lastError,
      lastErrorAtMs: this.lastErrorAtMs,
    };
  }

  private pendingRows(): number {
    return this.memory.length + this.unspilled.length + (this.spill ? this.spill.rowCount - this.spillHeadDone : 0);
  }

  /** Starts writing: every queued row (`all`, on a timer, a retry or flush) or only full batches. */
  private kick(all: boolean): void {
    if (this.writing || this.closed) return;
    this.writing = this.drain(all).finally(() => {
      this.writing = null;
    });
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
      let next: Batch | null;
      try {
        next = this.nextBatch();
      } catch (error) {
        // The spill file cannot be read back (EACCES, EIO): the rows are still there; try again later.
        this.spillFailed(error, `cannot read spilled rows back from ${this.spill?.dir}`);
        this.failing = true;
        this.schedule(this.retryDelayMs);
        this.retryDelayMs = Math.min(this.retryMaxMs, this.retryDelayMs * 2);
        return;
      }
      if (!next || (!all && next.rows.length < this.batchRows)) break;
      this.inFlight = next;
      try {
        await this.sink(next.rows);
      } catch (err) {
        this.inFlight = null;
        if (this.handleFailure(err, next)) continue;
        return;
      }
      this.inFlight = null;
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
    this.lastErrorAtMs = this.timers.nowMs();
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
      const file = join(this.options.spillDir, `rejected-${this.timers.nowMs()}-${this.counters.rejected}.jsonl`);
      try {
        writeFileSync(file, `${JSON.stringify({ error: error.message })}\n${batch.rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
      } catch (writeError) {
        try {
          rmSync(file, { force: true });
        } catch {
          // nothing more to do on this disk
        }
        // The database will never take these rows and the disk will not keep them: they are lost, loudly.
        this.counters.dropped += batch.rows.length;
        this.spillFailed(writeError, `cannot set aside ${batch.rows.length} refused row(s) in ${file}; dropped`, 'rows-dropped');
      }
    }
    this.consume(batch);
  }

  private nextBatch(): Batch | null {
    if (this.memory.length > 0) return { from: 'memory', rows: this.memory.slice(0, this.batchRows) };
    if (!this.spill) return null;
    while (this.spillHead === null || this.spillHeadDone >= this.spillHead.length) {
      if (this.spillHead !== null) this.finishSpillHead();
      const vanishedBefore = this.spill.vanishedRows;
      const rows = this.spill.readOldest();
      if (this.spill.vanishedRows > vanishedBefore) {
        const lost = this.spill.vanishedRows - vanishedBefore;
        this.counters.dropped += lost;
        this.spillFailed(new Error(`a spill file with ${lost} row(s) is gone`), `cannot read spilled rows back from ${this.spill.dir}`, 'rows-dropped');
      }
      if (rows === null) break;
      this.spillHead = rows;
      if (rows.length === 0) continue;
    }
    if (this.spillHead !== null) {
      return { from: 'spill', rows: this.spillHead.slice(this.spillHeadDone, this.spillHeadDone + this.batchRows) };
    }
    // Everything spilled is written: then the rows the spill directory refused, which came after it.
    if (this.unspilled.length > 0) return { from: 'unspilled', rows: this.unspilled.slice(0, this.batchRows) };
    return null;
  }

  private consume(batch: Batch): void {
    if (batch.from === 'memory') {
      this.memory.splice(0, batch.rows.length);
      this.releaseJournal(batch.rows.length);
      return;
    }
    if (batch.from === 'unspilled') {
      this.unspilled.splice(0, batch.rows.length);
      return;
    }
    this.spillHeadDone += batch.rows.length;
    if (this.spillHead && this.spillHeadDone >= this.spillHead.length) this.finishSpillHead();
  }

  /**
   * Journals rows about to enter memory, before add() returns. Returns the error of a failed append (the
   * rows are still kept in memory, and counted as unjournaled), for add() to report once.
   */
  private toJournal(rows: readonly RoundResultRecord[]): unknown {
    if (this.journal === null || rows.length === 0) return null;
    try {
      this.journal.append(rows);
      return null;
    } catch (error) {
      this.counters.spillFailures++;
      this.lastSpillError = errorText(error);
      return error;
    }
  }

  /** The oldest `count` memory rows are written or on disk elsewhere: cut them from the journal. */
  private releaseJournal(count: number): void {
    if (this.journal === null) return;
    try {
      this.journal.release(count);
    } catch (error) {
      // The rows are written; a segment that cannot be deleted is sent again by the next process on the
      // directory, and the rounds table ignores rows it already has.
      this.spillFailed(error, `cannot delete a written journal segment in ${this.journal.dir}`);
    }
  }

  /** Deletes the spill file whose rows are all written. */
  private finishSpillHead(): void {
    this.spillHead = null;
    this.spillHeadDone = 0;
    try {
      this.spill!.dropOldest();
    } catch (error) {
      // The rows are written; a file that cannot be deleted is sent again by the next process on the
      // directory, and the rounds table ignores rows it already has.
      this.spillFailed(error, `cannot delete a written spill file in ${this.spill!.dir}`);
    }
  }

  /**
   * Appends rows (after any the spill directory refused before) to the spill files. If the directory
   * refuses them they are held in memory, up to maxUnsavedRows, and onSpillError is told: so while the
   * disk stays full this reports once per add(), which is once per round.
   */
  private toSpill(rows: readonly RoundResultRecord[], from: 'add' | 'close'): void {
    const spill = this.spill!;
    // While refused rows are being written, leave them in place: moving them would pull rows out from
    // under the write in flight. The database is answering, so they will be gone shortly.
    const heldBusy = this.inFlight?.from === 'unspilled';
    if (!heldBusy) {
      const batch = this.unspilled.length > 0 ? [...this.unspilled, ...rows] : rows;
      try {
        spill.append(batch);
        this.counters.spilledTotal += batch.length;
        this.unspilled = [];
        return;
      } catch (error) {
        this.counters.spillFailures++;
        this.lastSpillError = errorText(error);
        this.unspilled.push(...rows);
        this.boundUnspilled();
        const where = from === 'close' ? ' at close' : '';
        this.report('spill-failed', `cannot spill ${batch.length} row(s) to ${spill.dir}${where}: ${this.lastSpillError}`, error);
        return;
      }
    }
    this.unspilled.push(...rows);
    this.boundUnspilled();
    if (this.lastSpillError !== null) this.report('spill-failed', `rows held in memory while the spill directory ${spill.dir} refuses them: ${this.lastSpillError}`);
  }

  private boundUnspilled(): void {
    const over = this.unspilled.length - this.maxUnsavedRows;
    if (over <= 0) return;
    // Keep the newest rows: they matter most to an operator.
    this.unspilled.splice(0, over);
    this.counters.dropped += over;
  }

  /** Counts a failed spill-directory operation and tells onSpillError. */
  private spillFailed(error: unknown, what: string, code: SpillError['code'] = 'spill-failed'): void {
    this.counters.spillFailures++;
    this.lastSpillError = errorText(error);
    this.report(code, `${what}: ${this.lastSpillError}`, error);
  }

  private report(code: SpillError['code'], what: string, cause?: unknown): void {
    this.reports++;
    const stats = this.stats();
    const message =
      `store.ResultWriter: ${what}; ${stats.unsaved} row(s) held in memory only (at most ${this.maxUnsavedRows}), ${stats.dropped} dropped so far; ` +
      'expected free space and write access in the spill directory, or the database back';
    this.options.onSpillError?.(new SpillError(code, message, cause), stats);
  }

  private dropOldest(overflow: readonly RoundResultRecord[]): void {
    // Memory is full and there is nowhere to spill: keep the newest rows, they matter most to an operator.
    this.memory.splice(0, overflow.length);
    for (const row of overflow) this.memory.push(row);
    if (this.memory.length > this.maxMemoryRows) this.memory.splice(0, this.memory.length - this.maxMemoryRows);
    this.counters.dropped += overflow.length;
    this.report('rows-dropped', `memory holds ${this.maxMemoryRows} row(s) and there is no spill directory; dropped the oldest ${overflow.length}`);
  }
}

interface Batch {
  from: 'memory' | 'spill' | 'unspilled';
  rows: RoundResultRecord[];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function openSpill(dir: string): SpillQueue<RoundResultRecord> {
  try {
    return new SpillQueue<RoundResultRecord>(dir);
  } catch (error) {
    throw new StoreError('bad-location', '', `store.ResultWriter: cannot use the spill directory ${dir}: ${errorText(error)}; expected a directory this process can read and write`);
  }
}

function openJournal(dir: string, segmentRows: number, fsync: boolean): RoundJournal<RoundResultRecord> {
  try {
    return new RoundJournal<RoundResultRecord>(dir, { segmentRows, fsync });
  } catch (error) {
    throw new StoreError('bad-location', '', `store.ResultWriter: cannot read the round journal in ${dir}: ${errorText(error)}; expected a directory this process can read and write`);
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new StoreError('bad-value', '', `store.ResultWriter: ${name} is ${value}; expected a positive number`);
  }
  return value;
}
