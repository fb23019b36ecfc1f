/**
 * The batching writer when the spill directory refuses rows as well as the database: the rows stay in
 * memory within the stated bound, every round says so through onSpillError, stats() counts them, close
 * reports what it could not save, and nothing is dropped without being counted. The directory is made
 * to refuse for real (replaced by a regular file: ENOTDIR/ENOENT on every open), no fs mocking.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultWriter, StoreError, type ResultWriterOptions, type RoundResultRecord, type ResultWriterStats } from '../../../src/store/index.js';
import { SpillError } from '../../../src/store/result-writer.js';
import { FakeTimers, settle } from './fake-timers.js';

const row = (i: number): RoundResultRecord => ({
  pathId: 'p',
  roundAtMs: i,
  sent: 1,
  received: 1,
  lossPct: 0,
  rttMinMs: 1,
  rttAvgMs: 1,
  rttMaxMs: 1,
  rttP50Ms: 1,
  rttP95Ms: 1,
  rttP99Ms: 1,
  jitterMs: 0,
});
const rows = (from: number, count: number): RoundResultRecord[] => Array.from({ length: count }, (_, i) => row(from + i));

class FakeDb {
  down = false;
  readonly written: number[] = [];
  /** While holding, each write waits until releaseOne() lets it through. */
  holding = false;
  private readonly waiting: (() => void)[] = [];
  releaseOne(): void {
    this.waiting.shift()?.();
  }
  releaseAll(): void {
    this.holding = false;
    for (const resume of this.waiting.splice(0)) resume();
  }
  get waitingWrites(): number {
    return this.waiting.length;
  }
  readonly sink = async (batch: RoundResultRecord[]): Promise<void> => {
    if (this.holding) await new Promise<void>((resolve) => this.waiting.push(resolve));
    await Promise.resolve();
    if (this.down) throw new StoreError('unreachable', 'postgres://u@h/db', 'store.insertResults: database postgres://u@h/db unreachable (ECONNREFUSED)');
    this.written.push(...batch.map((r) => r.roundAtMs));
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(options: ResultWriterOptions = {}) {
  const base = mkdtempSync(join(tmpdir(), 'pathmon-spill-fail-'));
  dirs.push(base);
  const spillDir = join(base, 'spill');
  const db = new FakeDb();
  const clock = new FakeTimers();
  const errors: { error: SpillError; stats: ResultWriterStats }[] = [];
  const writer = new ResultWriter(db.sink, {
    batchRows: 10,
    flushIntervalMs: 1000,
    retryInitialMs: 100,
    retryMaxMs: 800,
    timers: clock,
    spillDir,
    onSpillError: (error, stats) => errors.push({ error, stats }),
    ...options,
  });
  /** The spill directory stops taking files: it is replaced by a regular file. */
  const breakSpill = () => {
    rmSync(spillDir, { recursive: true, force: true });
    writeFileSync(spillDir, 'not a directory');
  };
  const mendSpill = () => {
    rmSync(spillDir, { force: true });
    mkdirSync(spillDir);
  };
  return { db, clock, writer, errors, spillDir, breakSpill, mendSpill };
}

describe('ResultWriter when the spill directory refuses rows', () => {
  it('keeps the rows in memory, reports every round, and writes them all in order when the database returns', async () => {
    const { db, clock, writer, errors, breakSpill, mendSpill } = setup({ maxMemoryRows: 8 });
    db.down = true;
    breakSpill();
    writer.add(rows(0, 8)); // fills memory; the journal cannot take them: a kill would lose them
    await settle();
    assert.equal(errors.length, 1, 'the failed journal append is reported');
    assert.equal(errors[0]!.error.code, 'spill-failed');
    assert.equal(errors[0]!.stats.unjournaled, 8);
    for (let round = 1; round <= 3; round++) {
      assert.doesNotThrow(() => writer.add(rows(round * 8, 8)), 'add() never throws at the monitor');
      assert.equal(errors.length, round + 1, 'one error report per round while rows are held unsaved');
    }
    const last = errors.at(-1)!;
    assert.ok(last.error instanceof SpillError);
    assert.equal(last.error.code, 'spill-failed');
    assert.equal(last.stats.unsaved, 24);
    let stats = writer.stats();
    assert.equal(stats.unsaved, 24);
    assert.equal(stats.unjournaled, 8);
    assert.equal(stats.buffered, 32);
    assert.equal(stats.dropped, 0);
    assert.equal(stats.spillFailures, 4, 'one journal append and three spill appends failed');
    assert.ok(stats.lastSpillError);

    // The disk is back: the held rows go to the spill directory at the next round, errors stop.
    mendSpill();
    writer.add(rows(32, 8));
    assert.equal(errors.length, 4);
    stats = writer.stats();
    assert.equal(stats.unsaved, 0);
    assert.equal(stats.spilled, 32);

    db.down = false;
    await clock.advance(800);
    await writer.flush();
    assert.deepEqual(
      db.written,
      rows(0, 40).map((r) => r.roundAtMs),
      'every row, once, in the order added',
    );
  });

  it('writes held rows after the spill files when the database returns before the disk does', async () => {
    const { db, clock, writer, errors, breakSpill } = setup({ maxMemoryRows: 8 });
    db.down = true;
    writer.add(rows(0, 8));
    writer.add(rows(8, 8)); // spilled
    breakSpill();
    // The rows already spilled vanish with the directory (counted as dropped); the held ones are kept.
    writer.add(rows(16, 8));
    assert.equal(errors.length, 1);
    db.down = false;
    await clock.advance(800);
    writer.add(rows(24, 4)); // arrives while held rows wait: goes behind them
    await clock.advance(2000);
    await writer.flush();
    assert.deepEqual(
      db.written,
      [...rows(0, 8), ...rows(16, 12)].map((r) => r.roundAtMs),
    );
    const stats = writer.stats();
    assert.equal(stats.unsaved, 0);
    assert.equal(stats.dropped, 8, 'the spilled rows that vanished are counted, not silently gone');
    assert.equal(errors.at(-1)!.error.code, 'rows-dropped');
  });

  it('drops beyond maxUnsavedRows, keeping the newest, and counts every dropped row', async () => {
    const { db, writer, errors, breakSpill } = setup({ maxMemoryRows: 4, maxUnsavedRows: 10 });
    db.down = true;
    breakSpill();
    writer.add(rows(0, 4));
    writer.add(rows(4, 8));
    writer.add(rows(12, 8));
    const stats = writer.stats();
    assert.equal(stats.unsaved, 10);
    assert.equal(stats.dropped, 6);
    assert.match(errors.at(-1)!.error.message, /6 dropped/);
    db.down = false;
    await writer.flush();
    assert.deepEqual(writer.stats().unsaved, 0);
  });

  it('close() with the database and the disk both refusing never throws and reports what is lost', async () => {
    const { db, writer, errors, spillDir, breakSpill } = setup({ maxMemoryRows: 8 });
    db.down = true;
    writer.add(rows(0, 5));
    await settle();
    breakSpill();
    const stats = await writer.close();
    assert.equal(stats.unsaved, 5, 'the rows memory held, neither written nor spilled');
    assert.equal(errors.at(-1)!.error.code, 'unsaved-at-close');
    assert.match(errors.at(-1)!.error.message, /^store\.ResultWriter\.close: 5 round result row\(s\)/);
    rmSync(spillDir, { force: true });
  });

  it('close() with the database away spills memory and reports nothing unsaved', async () => {
    const { db, writer, errors, spillDir } = setup({ maxMemoryRows: 8 });
    db.down = true;
    writer.add(rows(0, 5));
    const stats = await writer.close();
    assert.equal(stats.unsaved, 0);
    assert.equal(stats.spilled, 5);
    assert.equal(errors.length, 0);
    assert.deepEqual(
      readdirSync(spillDir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('without a spill directory every drop is reported, not only counted', async () => {
    const { db, writer, errors } = setup({ maxMemoryRows: 5, spillDir: null });
    db.down = true;
    writer.add(rows(0, 8));
    assert.equal(writer.stats().dropped, 3);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.error.code, 'rows-dropped');
  });

  it('loses no row added while the only spill file is being written back', async () => {
    const { db, clock, writer } = setup({ maxMemoryRows: 2, batchRows: 3 });
    db.down = true;
    writer.add(rows(0, 2));
    writer.add(rows(2, 5)); // one spill file, 5 rows
    await clock.advance(1000); // the write fails: retry in 100 ms
    db.down = false;
    db.holding = true;
    await clock.advance(100); // memory (2 rows) goes out... and waits
    assert.equal(db.waitingWrites, 1);
    db.releaseOne();
    await settle();
    assert.equal(db.waitingWrites, 1, 'the first batch read back from the spill file is in flight');
    writer.add(rows(7, 3)); // while that file is being written back
    db.releaseAll();
    await clock.advance(2000);
    await writer.flush();
    assert.deepEqual(
      [...new Set(db.written)].sort((a, b) => a - b),
      rows(0, 10).map((r) => r.roundAtMs),
    );
  });
});
