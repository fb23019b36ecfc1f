/**
 * The batching writer's journal: a round counted after add() is on disk before add() returns, so a
 * writer abandoned without close() (what a kill -9 leaves; no flush ever ran) loses nothing. The next
 * writer on the same spill directory sends those rows first, in order, each once, and journal segments
 * go away as their rows are written. Before the journal these rows were only in memory: the new writer
 * saw nothing. Also prints what a journaled add() costs (no timing assertion).
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultWriter, StoreError, type ResultWriterOptions, type RoundResultRecord } from '../../../src/store/index.js';
import { FakeTimers, settle } from './fake-timers.js';

const row = (i: number): RoundResultRecord => ({
  pathId: `p${i % 7}`,
  roundAtMs: i,
  sent: 10,
  received: 9,
  lossPct: 10,
  rttMinMs: 1.25,
  rttAvgMs: 1.5,
  rttMaxMs: 2.75,
  rttP50Ms: 1.5,
  rttP95Ms: 2.5,
  rttP99Ms: 2.75,
  jitterMs: 0.125,
});
const rows = (from: number, count: number): RoundResultRecord[] => Array.from({ length: count }, (_, i) => row(from + i));
const at = (list: readonly RoundResultRecord[]): number[] => list.map((r) => r.roundAtMs);

/** A database that records what it is given; `hold` keeps every write waiting until released. */
class FakeDb {
  down = false;
  hold = false;
  readonly written: RoundResultRecord[] = [];
  private readonly waiting: (() => void)[] = [];
  get waitingWrites(): number {
    return this.waiting.length;
  }
  releaseAll(): void {
    this.hold = false;
    for (const resume of this.waiting.splice(0)) resume();
  }
  readonly sink = async (batch: RoundResultRecord[]): Promise<void> => {
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    await Promise.resolve();
    if (this.down) throw new StoreError('unreachable', 'postgres://u@h/db', 'store.insertResults: unreachable (ECONNREFUSED)');
    this.written.push(...batch);
  };
}

const dirs: string[] = [];
const newDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-journal-writer-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const journalFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.startsWith('journal-'))
    .sort();

function writerOn(dir: string, db: FakeDb, options: ResultWriterOptions = {}): { writer: ResultWriter; clock: FakeTimers } {
  const clock = new FakeTimers();
  // A flush interval far beyond the test: nothing is written unless the test makes it.
  const writer = new ResultWriter(db.sink, { batchRows: 10, flushIntervalMs: 3_600_000, retryInitialMs: 100, retryMaxMs: 800, timers: clock, spillDir: dir, ...options });
  return { writer, clock };
}

describe('ResultWriter journal', () => {
  it('a writer abandoned without close() (kill -9) loses no added round: the next writer sends them, in order, once', async () => {
    const dir = newDir();
    const first = new FakeDb();
    const { writer: dead } = writerOn(dir, first);
    dead.add(rows(0, 4));
    dead.add(rows(4, 4));
    dead.add(rows(8, 1));
    // Abandoned here: no flush, no close. Only what add() put on disk before returning survives.
    assert.equal(first.written.length, 0, 'nothing reached the database');
    assert.ok(journalFiles(dir).length > 0, 'add() left the rows in a journal segment');

    const db = new FakeDb();
    const { writer, clock } = writerOn(dir, db);
    assert.equal(writer.stats().replayedFromJournal, 9);
    await clock.advance(0);
    assert.deepEqual(at(db.written), at(rows(0, 9)), 'every row, in order, each once, without waiting for the flush interval');
    assert.deepEqual(journalFiles(dir), [], 'segments go once their rows are written');
    writer.add(rows(9, 3));
    await writer.close();
    assert.deepEqual(at(db.written), at(rows(0, 12)), 'new rounds follow the replayed ones');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('puts the rows on disk before add() returns, as JSON lines', () => {
    const dir = newDir();
    const { writer } = writerOn(dir, new FakeDb());
    writer.add(rows(0, 3));
    const files = journalFiles(dir);
    assert.equal(files.length, 1);
    const lines = readFileSync(join(dir, files[0]!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RoundResultRecord);
    assert.deepEqual(lines, rows(0, 3));
  });

  it('deletes each segment once every row in it is written, and only then', async () => {
    const dir = newDir();
    const db = new FakeDb();
    const { writer } = writerOn(dir, db, { batchRows: 10, maxMemoryRows: 1000 });
    db.hold = true;
    // Segments rotate at 10 rows (batchRows), one add() is never split: [0..9] [10..19] [20..24].
    for (let i = 0; i < 5; i++) writer.add(rows(i * 5, 5));
    assert.equal(journalFiles(dir).length, 3);
    await settle();
    assert.equal(db.waitingWrites, 1, 'the first full batch is in flight');
    assert.equal(journalFiles(dir).length, 3, 'nothing is cut before the database answers');
    db.hold = false;
    db.releaseAll();
    await settle();
    assert.deepEqual(at(db.written), at(rows(0, 20)), 'the two full batches are written');
    assert.equal(journalFiles(dir).length, 1, 'their two segments are gone; the partial one stays');
    await writer.flush();
    assert.deepEqual(journalFiles(dir), []);
    assert.equal(writer.stats().unjournaled, 0);
  });

  it('killed while a batch was in flight: the batch is sent again by the next writer', async () => {
    const dir = newDir();
    const first = new FakeDb();
    first.hold = true; // the database never answers before the kill
    const { writer: dead } = writerOn(dir, first);
    dead.add(rows(0, 12));
    await settle();
    assert.equal(first.waitingWrites, 1);
    const db = new FakeDb();
    const { writer } = writerOn(dir, db);
    await writer.flush();
    assert.deepEqual(at(db.written), at(rows(0, 12)));
    assert.deepEqual(journalFiles(dir), []);
  });

  it('killed during an outage with rows both journaled and spilled: journaled rows (older) go first', async () => {
    const dir = newDir();
    const first = new FakeDb();
    first.down = true;
    const { writer: dead, clock: deadClock } = writerOn(dir, first, { maxMemoryRows: 6 });
    dead.add(rows(0, 4));
    await deadClock.advance(3_600_000); // the write fails: the writer retries later
    dead.add(rows(4, 4)); // 2 to memory (journaled), 2 spilled
    dead.add(rows(8, 4)); // spilled
    assert.equal(dead.stats().spilled, 6);
    const db = new FakeDb();
    const { writer } = writerOn(dir, db);
    writer.add(rows(12, 2)); // arrives while the old rows wait: after them
    await writer.flush();
    assert.deepEqual(at(db.written), at(rows(0, 14)), 'every row in the order it was added, once');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('close() during an outage moves held rows to a spill file and cuts the journal', async () => {
    const dir = newDir();
    const db = new FakeDb();
    db.down = true;
    const { writer } = writerOn(dir, db);
    writer.add(rows(0, 5));
    const stats = await writer.close();
    assert.equal(stats.unsaved, 0);
    assert.equal(stats.spilled, 5);
    assert.deepEqual(journalFiles(dir), [], 'the rows are in the spill file now: not journaled twice');
    db.down = false;
    const { writer: next } = writerOn(dir, db);
    await next.flush();
    assert.deepEqual(at(db.written), at(rows(0, 5)));
  });

  it('journal: false keeps rows in memory only, as before', () => {
    const dir = newDir();
    const { writer } = writerOn(dir, new FakeDb(), { journal: false });
    writer.add(rows(0, 5));
    assert.deepEqual(journalFiles(dir), []);
  });

  it('measures what a journaled add() costs (printed, not asserted)', async () => {
    for (const count of [1_000, 30_000]) {
      const batch = rows(0, count);
      const times: number[] = [];
      for (let round = 0; round < 5; round++) {
        const dir = newDir();
        const { writer } = writerOn(dir, new FakeDb(), { batchRows: 5_000, maxMemoryRows: 100_000 });
        const start = process.hrtime.bigint();
        writer.add(batch);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      const plain = new ResultWriter(async () => undefined, { batchRows: 5_000, flushIntervalMs: 3_600_000, timers: new FakeTimers() });
      const start = process.hrtime.bigint();
      plain.add(batch);
      const plainMs = Number(process.hrtime.bigint() - start) / 1e6;
      times.sort((a, b) => a - b);
      console.log(`# journaled add() of ${count} rows: median ${times[2]!.toFixed(2)} ms (min ${times[0]!.toFixed(2)}, max ${times[4]!.toFixed(2)}); without journal ${plainMs.toFixed(2)} ms`);
    }
  });
});
