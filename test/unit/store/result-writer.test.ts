/**
 * The batching writer with a fake database and a hand-driven clock: when it writes, what it keeps
 * while the database is failing, where overflow goes, and the order rows come out in.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultWriter, StoreError, type ResultWriterOptions, type RoundResultRecord } from '../../../src/store/index.js';
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

/** A database that can be down, or refuse rows; it remembers every batch it accepted. */
class FakeDb {
  down = false;
  refuseRoundAt: number | null = null;
  readonly batches: number[][] = [];
  calls = 0;
  readonly sink = async (batch: RoundResultRecord[]): Promise<void> => {
    this.calls++;
    await Promise.resolve();
    if (this.down) throw new StoreError('unreachable', 'postgres://u@h/db', 'store.insertResults: database postgres://u@h/db unreachable (ECONNREFUSED)');
    if (this.refuseRoundAt !== null && batch.some((r) => r.roundAtMs === this.refuseRoundAt)) {
      throw new StoreError('query-failed', 'postgres://u@h/db', 'store.insertResults: value out of range');
    }
    this.batches.push(batch.map((r) => r.roundAtMs));
  };
  get written(): number[] {
    return this.batches.flat();
  }
}

const dirs: string[] = [];
const spillDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-writer-unit-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(options: ResultWriterOptions = {}): { db: FakeDb; clock: FakeTimers; writer: ResultWriter } {
  const db = new FakeDb();
  const clock = new FakeTimers();
  const writer = new ResultWriter(db.sink, { batchRows: 10, flushIntervalMs: 1000, retryInitialMs: 100, retryMaxMs: 800, timers: clock, ...options });
  return { db, clock, writer };
}

describe('ResultWriter', () => {
  it('writes a full batch at once and a partial one after the flush interval', async () => {
    const { db, clock, writer } = setup();
    writer.add(rows(0, 25));
    await settle();
    assert.deepEqual(
      db.batches.map((b) => b.length),
      [10, 10],
      'two full batches go out without waiting',
    );
    await clock.advance(999);
    assert.equal(db.written.length, 20);
    await clock.advance(1);
    assert.deepEqual(
      db.written,
      rows(0, 25).map((r) => r.roundAtMs),
    );
    assert.equal(writer.stats().written, 25);
  });

  it('add() returns before the database answers', () => {
    const { writer } = setup();
    const result = writer.add(rows(0, 100));
    assert.equal(result, undefined);
    assert.equal(writer.stats().written, 0);
  });

  it('keeps rows while the database is down, retries with backoff, then writes them in order', async () => {
    const { db, clock, writer } = setup();
    db.down = true;
    writer.add(rows(0, 10));
    await settle();
    assert.equal(db.calls, 1);
    assert.equal(writer.stats().state, 'retrying');
    assert.match(writer.stats().lastError!, /unreachable/);
    writer.add(rows(10, 15));
    await clock.advance(100);
    assert.equal(db.calls, 2, 'first retry after 100 ms');
    await clock.advance(199);
    assert.equal(db.calls, 2);
    await clock.advance(1);
    assert.equal(db.calls, 3, 'then after 200 ms');
    await clock.advance(10_000);
    assert.ok(db.calls <= 3 + Math.ceil(10_000 / 800), 'backoff is capped at retryMaxMs, not hammering');
    db.down = false;
    await clock.advance(800);
    assert.deepEqual(
      db.written,
      rows(0, 25).map((r) => r.roundAtMs),
    );
    assert.equal(writer.stats().state, 'ok');
    assert.equal(writer.stats().buffered, 0);
  });

  it('spills overflow to disk beyond maxMemoryRows and replays memory, then disk, then new rows', async () => {
    const dir = spillDir();
    const { db, clock, writer } = setup({ maxMemoryRows: 20, spillDir: dir });
    db.down = true;
    writer.add(rows(0, 15));
    writer.add(rows(15, 15));
    writer.add(rows(30, 5));
    await settle();
    const s = writer.stats();
    assert.equal(s.buffered, 20);
    assert.equal(s.spilled, 15);
    assert.ok(readdirSync(dir).some((f) => f.startsWith('spill-')));
    db.down = false;
    await clock.advance(100);
    writer.add(rows(35, 3));
    await clock.advance(1000);
    assert.deepEqual(
      db.written,
      rows(0, 38).map((r) => r.roundAtMs),
      'exactly the order of add()',
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('spill-')),
      [],
    );
  });

  it('without a spill directory keeps the newest rows and counts what it dropped', async () => {
    const { db, clock, writer } = setup({ maxMemoryRows: 20 });
    db.down = true;
    writer.add(rows(0, 30));
    await settle();
    assert.equal(writer.stats().dropped, 10);
    db.down = false;
    await clock.advance(100);
    await clock.advance(1000);
    assert.deepEqual(
      db.written,
      rows(10, 20).map((r) => r.roundAtMs),
    );
  });

  it('sets aside a batch the database keeps refusing, and goes on with the rest', async () => {
    const dir = spillDir();
    const { db, clock, writer } = setup({ spillDir: dir, maxRejectAttempts: 2 });
    db.refuseRoundAt = 3;
    writer.add(rows(0, 20));
    await clock.advance(1000);
    assert.equal(writer.stats().rejected, 10);
    assert.deepEqual(
      db.written,
      rows(10, 10).map((r) => r.roundAtMs),
    );
    const rejected = readdirSync(dir).filter((f) => f.startsWith('rejected-'));
    assert.equal(rejected.length, 1);
    assert.match(readFileSync(join(dir, rejected[0]!), 'utf8'), /value out of range/);
  });

  it('flush() rejects with StoreError while the database is down, keeping the rows', async () => {
    const { db, writer } = setup();
    db.down = true;
    writer.add(rows(0, 3));
    await assert.rejects(writer.flush(), (err: unknown) => err instanceof StoreError && err.code === 'unreachable');
    assert.equal(writer.stats().buffered, 3);
    db.down = false;
    await writer.flush();
    assert.deepEqual(db.written, [0, 1, 2]);
  });

  it('close() during an outage moves memory to disk; a new writer on the directory sends it first', async () => {
    const dir = spillDir();
    const first = setup({ maxMemoryRows: 20, spillDir: dir });
    first.db.down = true;
    first.writer.add(rows(0, 30));
    const stats = await first.writer.close();
    assert.equal(stats.buffered, 0);
    assert.equal(stats.spilled, 30);
    assert.equal(first.clock.pendingCount, 0, 'no timer left behind');
    assert.throws(
      () => first.writer.add(rows(30, 1)),
      (err: unknown) => err instanceof StoreError && err.code === 'closed',
    );

    const second = setup({ spillDir: dir });
    second.writer.add(rows(30, 5));
    await second.clock.advance(0);
    await second.writer.flush();
    assert.deepEqual(
      second.db.written,
      rows(0, 35).map((r) => r.roundAtMs),
    );
  });

  it('skips a torn line in a spill file instead of failing', async () => {
    const dir = spillDir();
    const first = setup({ maxMemoryRows: 1, spillDir: dir });
    first.db.down = true;
    first.writer.add(rows(0, 5));
    await first.writer.close();
    const file = readdirSync(dir)
      .filter((f) => f.startsWith('spill-'))
      .sort()
      .at(-1)!;
    const { appendFileSync } = await import('node:fs');
    appendFileSync(join(dir, file), '{"pathId":"p","roundAt');
    const second = setup({ spillDir: dir });
    await second.writer.flush();
    assert.deepEqual(second.db.written, [0, 1, 2, 3, 4]);
    assert.equal(existsSync(join(dir, file)), false);
  });

  it('refuses nonsensical options with a StoreError naming the option', () => {
    assert.throws(
      () => new ResultWriter(async () => undefined, { batchRows: 0 }),
      (err: unknown) => err instanceof StoreError && err.code === 'bad-value' && /batchRows/.test(err.message),
    );
  });
});
