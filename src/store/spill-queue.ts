/**
 * Rows the database could not take yet, on disk, oldest first: numbered JSONL files in one directory.
 * The batching writer appends here once its memory buffer is full, reads the oldest file back when the
 * database returns, and deletes a file once every row in it is written. Files left by a process that
 * stopped during an outage are picked up by the next writer on the same directory, so a restart loses
 * nothing either. A torn last line (a crash mid-append) is skipped and counted, never fatal.
 *
 * Appends are synchronous: they only happen while the database is down and memory is full, and they
 * keep the order of rows exactly the order of add() calls.
 */
import { appendFileSync, mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE_PATTERN = /^spill-(\d{16})\.jsonl$/;
const SEQ_START = 1_000_000_000_000;

interface SpillFile { seq: number; path: string; rows: number }

export class SpillQueue<Row> {
  private readonly files: SpillFile[] = [];
  private totalRows = 0;
  /** Lines that were not valid JSON (torn writes), skipped on read. */
  corruptLines = 0;

  constructor(readonly dir: string, private readonly maxRowsPerFile = 10_000) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir).sort()) {
      const m = FILE_PATTERN.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      const rows = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).length;
      this.files.push({ seq: Number(m[1]), path, rows });
      this.totalRows += rows;
    }
  }

  get rowCount(): number { return this.totalRows; }
  get fileCount(): number { return this.files.length; }

  /** Newest rows: appended after everything already spilled. */
  append(rows: readonly Row[]): void {
    let i = 0;
    while (i < rows.length) {
      let tail = this.files[this.files.length - 1];
      if (!tail || tail.rows >= this.maxRowsPerFile) {
        const seq = tail ? tail.seq + 1 : SEQ_START;
        tail = { seq, path: this.fileName(seq), rows: 0 };
        this.files.push(tail);
      }
      const take = Math.min(rows.length - i, this.maxRowsPerFile - tail.rows);
      appendFileSync(tail.path, linesOf(rows, i, i + take));
      tail.rows += take;
      this.totalRows += take;
      i += take;
    }
  }

  /** Older rows than anything spilled (the memory buffer at close): written before the rest. */
  prepend(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    const seq = (this.files[0]?.seq ?? SEQ_START) - 1;
    const file = { seq, path: this.fileName(seq), rows: rows.length };
    const tmp = `${file.path}.tmp`;
    writeFileSync(tmp, linesOf(rows, 0, rows.length));
    renameSync(tmp, file.path);
    this.files.unshift(file);
    this.totalRows += rows.length;
  }

  /** The oldest file's rows, or null when nothing is spilled. */
  readOldest(): Row[] | null {
    const head = this.files[0];
    if (!head) return null;
    const rows: Row[] = [];
    for (const line of readFileSync(head.path, 'utf8').split('\n')) {
      if (line.length === 0) continue;
      try {
        rows.push(JSON.parse(line) as Row);
      } catch {
        this.corruptLines++;
      }
    }
    return rows;
  }

  /** Deletes the oldest file once its rows are written. */
  dropOldest(): void {
    const head = this.files.shift();
    if (!head) return;
    this.totalRows -= head.rows;
    unlinkSync(head.path);
  }

  private fileName(seq: number): string {
    return join(this.dir, `spill-${String(seq).padStart(16, '0')}.jsonl`);
  }
}

function linesOf<Row>(rows: readonly Row[], from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += `${JSON.stringify(rows[i])}\n`;
  return text;
}
