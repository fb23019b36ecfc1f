/**
 * A write-ahead journal for the rows the batching writer holds in memory, so that a round counted after
 * `ResultWriter.add()` survives a kill -9. Each add() appends its rows as JSON lines to the newest
 * segment file (`journal-<seq>.wal` in the spill directory) with one synchronous write before add()
 * returns. Rows leave memory oldest first as the database takes them; `release(n)` follows them and
 * deletes a segment once every row in it is written, so cutting the journal never rewrites a file. A
 * segment holds at most about `segmentRows` rows (an add() is never split), which bounds how many
 * already-written rows a restart sends again: the rounds table ignores rows it already has.
 *
 * No fsync by default: a killed process's writes stay in the page cache and reach the disk anyway, and
 * a sync per round would cost a disk flush every second. A power loss or kernel crash can therefore
 * still lose the last rounds; `fsync: true` closes that gap at that cost.
 *
 * Segments left by an earlier process are read back in order at open (`recovered`) and adopted: they
 * are deleted, like the writer's own, once their rows are written. A torn last line (a crash mid-append)
 * is skipped and counted. Rows whose append failed (full disk, directory gone) are tracked as a gap, so
 * the writer can say how many rows it holds that a crash would lose (`unjournaled`). The extension is
 * not `.jsonl` on purpose: these are not spill files, and nothing that counts spilled rows must see them.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { appendWhole, linesOf } from './spill-queue.js';

const SEGMENT_PATTERN = /^journal-(\d{16})\.wal$/;
const SEQ_START = 1;

export interface RoundJournalOptions {
  /** A new segment is started once the newest holds this many rows. Default 1000. */
  segmentRows?: number;
  /** fsync every append (and the directory when a segment is created). Default false. */
  fsync?: boolean;
}

/**
 * A run of consecutive held rows: in one segment file (`path`), or not on disk at all (`path` null,
 * the append failed). `sealed`: nothing more is appended to it.
 */
interface Run {
  path: string | null;
  rows: number;
  released: number;
  sealed: boolean;
}

export class RoundJournal<Row> {
  private readonly runs: Run[] = [];
  private readonly segmentRows: number;
  private readonly fsync: boolean;
  private nextSeq = SEQ_START;
  private unjournaledRows = 0;
  /** Rows read back from segments an earlier process left, oldest first; taken once by the writer. */
  recovered: Row[] = [];
  /** Lines of left-over segments that were not valid JSON (a torn last append), skipped. */
  corruptLines = 0;

  constructor(
    readonly dir: string,
    options: RoundJournalOptions = {},
  ) {
    this.segmentRows = options.segmentRows ?? 1000;
    this.fsync = options.fsync ?? false;
    for (const name of readdirSync(dir).sort()) {
      const m = SEGMENT_PATTERN.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      this.nextSeq = Math.max(this.nextSeq, Number(m[1]) + 1);
      let count = 0;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line.length === 0) continue;
        try {
          this.recovered.push(JSON.parse(line) as Row);
          count++;
        } catch {
          this.corruptLines++;
        }
      }
      // An empty segment (its only append torn by a kill) holds nothing to wait for: deleted now.
      if (count === 0) {
        const failure = removeSegment(path);
        if (failure !== null) throw failure;
        continue;
      }
      this.runs.push({ path, rows: count, released: 0, sealed: true });
    }
  }

  /** Rows held whose append failed: in memory only, lost if the process dies. */
  get unjournaled(): number {
    return this.unjournaledRows;
  }

  /** Segment files holding unwritten rows. */
  get segmentCount(): number {
    return this.runs.filter((r) => r.path !== null).length;
  }

  /**
   * Appends rows (newer than all held) in one write, before returning. Throws the file system's error
   * when the append fails; the segment is then left as it was and the rows are counted as unjournaled.
   */
  append(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    let tail = this.runs[this.runs.length - 1];
    const created = !tail || tail.path === null || tail.sealed || tail.rows >= this.segmentRows;
    const path = created ? this.segmentName(this.nextSeq) : tail!.path!;
    try {
      appendWhole(path, linesOf(rows, 0, rows.length), created, this.fsync);
      if (created && this.fsync) this.syncDir();
    } catch (error) {
      if (tail && !created) tail.sealed = true; // the next append starts a new segment after the gap
      if (tail && tail.path === null) tail.rows += rows.length;
      else this.runs.push({ path: null, rows: rows.length, released: 0, sealed: true });
      this.unjournaledRows += rows.length;
      throw error;
    }
    if (created) {
      this.nextSeq++;
      tail = { path, rows: 0, released: 0, sealed: false };
      this.runs.push(tail);
    }
    tail!.rows += rows.length;
  }

  /**
   * The oldest `count` held rows are written (or otherwise out of memory): deletes every segment whose
   * rows are all written. A segment that cannot be deleted is forgotten anyway (its rows are written;
   * the next process sends them again, harmlessly) and the first such error is thrown after the rest.
   */
  release(count: number): void {
    let left = count;
    let failure: unknown = null;
    while (this.runs.length > 0) {
      const head = this.runs[0]!;
      const take = Math.min(left, head.rows - head.released);
      head.released += take;
      left -= take;
      if (head.path === null) this.unjournaledRows -= take;
      if (head.released < head.rows) break;
      this.runs.shift();
      if (head.path !== null) failure ??= removeSegment(head.path);
    }
    if (failure !== null) throw failure;
  }

  /**
   * Held rows whose segment is still on disk (a crash would not lose them), checked against the file
   * system: a segment whose directory was removed under the process no longer saves anything.
   */
  rowsOnDisk(): number {
    let rows = 0;
    for (const run of this.runs) {
      if (run.path !== null && existsAsFile(run.path)) rows += run.rows - run.released;
    }
    return rows;
  }

  /** Every held row is now elsewhere on disk (spilled at close): deletes all segments. */
  releaseAll(): void {
    this.release(this.runs.reduce((sum, r) => sum + r.rows - r.released, 0));
  }

  private segmentName(seq: number): string {
    return join(this.dir, `journal-${String(seq).padStart(16, '0')}.wal`);
  }

  /** Makes a new segment's name durable too (only with fsync: without it, a file's data is not either). */
  private syncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function removeSegment(path: string): unknown {
  try {
    unlinkSync(path);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : error; // already gone is what we wanted
  }
}

function existsAsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
