/**
 * Rows the database could not take yet, on disk, oldest first: numbered JSONL files in one directory.
 * The batching writer appends here once its memory buffer is full, reads the oldest file back when the
 * database returns, and deletes a file once every row in it is written. Files left by a process that
 * stopped during an outage are picked up by the next writer on the same directory, so a restart loses
 * nothing either. A torn last line (a crash mid-append) is skipped and counted, never fatal.
 *
 * Appends are synchronous: they only happen while the database is down and memory is full, and they
 * keep the order of rows exactly the order of add() calls.
 *
 * Every write either lands whole or leaves the directory as it was, and throws: an append that fails
 * part way (ENOSPC, EIO) is cut back to the file's previous length (a file it created is removed), and
 * a failed prepend removes its temporary file. So a full disk costs no torn rows and no `.tmp` litter,
 * and the caller, told by the throw, keeps the rows itself. `.tmp` files left by a process killed
 * mid-prepend never held committed rows (the rename is the commit) and are removed on open.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const FILE_PATTERN = /^spill-(\d{16})\.jsonl$/;
const TEMP_PATTERN = /^spill-\d{16}\.jsonl\.tmp$/;
const SEQ_START = 1_000_000_000_000;

/** `read`: handed to the writer by readOldest; nothing is appended to it after that (it will be deleted). */
interface SpillFile {
  seq: number;
  path: string;
  rows: number;
  read?: boolean;
}

export class SpillQueue<Row> {
  private readonly files: SpillFile[] = [];
  private totalRows = 0;
  /** Lines that were not valid JSON (torn writes), skipped on read. */
  corruptLines = 0;
  /** Rows of files that were gone when read back (removed by someone, or the directory replaced). */
  vanishedRows = 0;

  constructor(
    readonly dir: string,
    private readonly maxRowsPerFile = 10_000,
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir).sort()) {
      if (TEMP_PATTERN.test(name)) {
        rmSync(join(dir, name), { force: true });
        continue;
      }
      const m = FILE_PATTERN.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      const rows = readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0).length;
      this.files.push({ seq: Number(m[1]), path, rows });
      this.totalRows += rows;
    }
  }

  get rowCount(): number {
    return this.totalRows;
  }
  get fileCount(): number {
    return this.files.length;
  }

  /**
   * Newest rows: appended after everything already spilled. All or nothing: on a failed write the rows
   * of this call are not in the queue (rows of earlier calls are untouched) and the error is thrown.
   */
  append(rows: readonly Row[]): void {
    const filesBefore = this.files.length;
    const tailRowsBefore = this.files[filesBefore - 1]?.rows ?? 0;
    const undo: (() => void)[] = [];
    try {
      let i = 0;
      while (i < rows.length) {
        let tail = this.files[this.files.length - 1];
        let isNew = false;
        if (!tail || tail.rows >= this.maxRowsPerFile || tail.read) {
          const seq = tail ? tail.seq + 1 : SEQ_START;
          tail = { seq, path: this.fileName(seq), rows: 0 };
          this.files.push(tail);
          isNew = true;
        }
        const take = Math.min(rows.length - i, this.maxRowsPerFile - tail.rows);
        undo.push(appendWhole(tail.path, linesOf(rows, i, i + take), isNew));
        tail.rows += take;
        i += take;
      }
    } catch (error) {
      // Undo newest first: later files of this call are removed before the first one is cut back.
      for (const step of undo.reverse()) step();
      this.files.splice(filesBefore);
      const tail = this.files[filesBefore - 1];
      if (tail) tail.rows = tailRowsBefore;
      throw error;
    }
    this.totalRows += rows.length;
  }

  /**
   * Older rows than anything spilled (the memory buffer at close): written before the rest. Written to
   * a temporary file and renamed, so a crash or a full disk never leaves half of them; on failure the
   * temporary file is removed and the error thrown.
   */
  prepend(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    const seq = (this.files[0]?.seq ?? SEQ_START) - 1;
    const file = { seq, path: this.fileName(seq), rows: rows.length };
    const tmp = `${file.path}.tmp`;
    try {
      writeWhole(tmp, linesOf(rows, 0, rows.length));
      renameSync(tmp, file.path);
    } catch (error) {
      removeQuietly(tmp);
      throw error;
    }
    this.files.unshift(file);
    this.totalRows += rows.length;
  }

  /** The oldest file's rows, or null when nothing is spilled. */
  readOldest(): Row[] | null {
    const head = this.files[0];
    if (!head) return null;
    // Rows appended from now on go to a new file: this one is deleted once what is read here is written.
    head.read = true;
    const rows: Row[] = [];
    const text = readIfThere(head.path);
    if (text === null) {
      this.vanishedRows += head.rows;
      return rows;
    }
    for (const line of text.split('\n')) {
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
    try {
      unlinkSync(head.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error; // already gone is what we wanted
    }
  }

  private fileName(seq: number): string {
    return join(this.dir, `spill-${String(seq).padStart(16, '0')}.jsonl`);
  }
}

/**
 * Appends `text` to `path` completely or not at all (as far as the file system lets a failing write be
 * undone): a short or failed write is cut back to the length before it, or the file removed if this
 * call created it (`created`). Returns a function that undoes the append (used when a later file of the
 * same call fails). `fsync` waits for the data to reach the disk (power-loss safety; a process crash alone
 * keeps what the page cache holds). Shared with the round journal (round-journal.ts).
 */
export function appendWhole(path: string, text: string, created: boolean, fsync = false): () => void {
  const fd = openSync(path, 'a');
  let sizeBefore = 0;
  try {
    sizeBefore = fstatSync(fd).size;
    writeFully(fd, Buffer.from(text, 'utf8'));
    if (fsync) fsyncSync(fd);
  } catch (error) {
    cutBack(path, fd, sizeBefore, created);
    closeQuietly(fd);
    throw error;
  }
  closeSync(fd);
  return () => {
    try {
      if (created) unlinkSync(path);
      else {
        const again = openSync(path, 'r+');
        cutBack(path, again, sizeBefore, false);
        closeQuietly(again);
      }
    } catch {
      // Best effort: rows left over here are sent again later, and the table ignores rows it has.
    }
  };
}

/**
 * A file's text, or null when it is gone (removed by a person, or its directory replaced): its rows are
 * counted as vanished rather than blocking every later row. Other errors (EACCES, EIO) are thrown: the
 * rows may still be there, so the caller retries.
 */
function readIfThere(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

function writeWhole(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try {
    writeFully(fd, Buffer.from(text, 'utf8'));
  } finally {
    closeQuietly(fd);
  }
}

function writeFully(fd: number, data: Buffer): void {
  let at = 0;
  while (at < data.length) at += writeSync(fd, data, at, data.length - at);
}

function cutBack(path: string, fd: number, size: number, created: boolean): void {
  try {
    if (created) unlinkSync(path);
    else ftruncateSync(fd, size);
  } catch {
    // A torn last line is skipped on read (see readOldest); nothing more can be done on this disk.
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Left for the next open, which removes `.tmp` files before anything else.
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already reported by the write that failed
  }
}

export function linesOf<Row>(rows: readonly Row[], from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += `${JSON.stringify(rows[i])}\n`;
  return text;
}
