/**
 * Spilling onto a really full file system: a 64 KiB tmpfs mounted for the test (root only), nearly
 * filled. While the database is away and the disk is full, every round is reported, no torn row and no
 * `.tmp` file is left in the spill directory, and once space returns every row is written exactly once,
 * in order. Closing on the full disk reports the rows it could not save instead of losing them quietly.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultWriter, StoreError, type RoundResultRecord } from '../../../src/store/index.js';
import type { SpillError } from '../../../src/store/result-writer.js';
import { FakeTimers } from './fake-timers.js';

const skip = process.platform !== 'linux' || process.getuid?.() !== 0 ? 'mounting a tmpfs needs root on Linux' : false;

const row = (i: number): RoundResultRecord => ({
  pathId: `path-${'x'.repeat(40)}`,
  roundAtMs: i,
  sent: 5,
  received: 5,
  lossPct: 0,
  rttMinMs: 1.25,
  rttAvgMs: 1.5,
  rttMaxMs: 2,
  rttP50Ms: 1.5,
  rttP95Ms: 2,
  rttP99Ms: 2,
  jitterMs: 0.1,
});
const rows = (from: number, count: number): RoundResultRecord[] => Array.from({ length: count }, (_, i) => row(from + i));

describe('spilling onto a full disk', { skip }, () => {
  let mountPoint = '';
  before(() => {
    mountPoint = mkdtempSync(join(tmpdir(), 'pathmon-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]);
  });
  after(() => {
    try {
      execFileSync('umount', [mountPoint]);
    } finally {
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  /** Fills the file system with `filler` until less than `leaveBytes` is free. */
  function fill(filler: string, leaveBytes: number): void {
    const { bavail, bsize } = statfsSync(mountPoint);
    const free = bavail * bsize;
    writeFileSync(filler, Buffer.alloc(Math.max(0, free - leaveBytes)));
  }

  function spillDirContents(dir: string): { temps: string[]; badLines: number; rows: number } {
    const names = readdirSync(dir);
    let badLines = 0;
    let count = 0;
    for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
        if (line.length === 0) continue;
        try {
          JSON.parse(line);
          count++;
        } catch {
          badLines++;
        }
      }
    }
    return { temps: names.filter((n) => n.endsWith('.tmp')), badLines, rows: count };
  }

  it('reports every round, keeps what the disk refuses, and writes everything once space returns', async () => {
    const spillDir = join(mountPoint, 'a', 'spill');
    mkdirSync(spillDir, { recursive: true });
    const filler = join(mountPoint, 'a', 'filler');
    fill(filler, 6000); // room for about two rounds of spilled rows, then ENOSPC part way through a write
    let down = true;
    const written: number[] = [];
    const errors: SpillError[] = [];
    const clock = new FakeTimers();
    const writer = new ResultWriter(
      async (batch) => {
        await Promise.resolve();
        if (down) throw new StoreError('unreachable', 'postgres://u@h/db', 'store.insertResults: unreachable (ECONNREFUSED)');
        written.push(...batch.map((r) => r.roundAtMs));
      },
      { batchRows: 100, maxMemoryRows: 16, spillDir, timers: clock, retryInitialMs: 100, retryMaxMs: 100, onSpillError: (error) => errors.push(error) },
    );

    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      assert.doesNotThrow(() => writer.add(rows(round * 8, 8)));
      await clock.advance(100);
    }
    const stats = writer.stats();
    assert.ok(stats.spillFailures >= 3, `spill failures ${stats.spillFailures}`);
    const refusedRounds = errors.length;
    assert.ok(refusedRounds >= 3 && errors.every((e) => e.code === 'spill-failed' && /ENOSPC/.test(e.message)), errors.map((e) => e.message).join('\n'));
    assert.ok(stats.unsaved > 0);
    assert.equal(stats.dropped, 0);
    assert.equal(stats.buffered + stats.spilled, rounds * 8, 'every row is somewhere: memory or disk');
    const onDisk = spillDirContents(spillDir);
    assert.deepEqual(onDisk.temps, []);
    assert.equal(onDisk.badLines, 0, 'a write cut short by ENOSPC leaves no torn line');
    assert.equal(onDisk.rows, stats.spilled);

    rmSync(filler); // space returns: the next round moves the held rows to disk
    writer.add(rows(rounds * 8, 8));
    assert.equal(writer.stats().unsaved, 0);
    down = false;
    await writer.flush();
    await writer.close();
    assert.deepEqual(
      written,
      rows(0, (rounds + 1) * 8).map((r) => r.roundAtMs),
    );
    assert.deepEqual(readdirSync(spillDir), []);
  });

  it('close() on a full disk leaves no .tmp file and reports the rows it could not save', async () => {
    const spillDir = join(mountPoint, 'b', 'spill');
    mkdirSync(spillDir, { recursive: true });
    fill(join(mountPoint, 'b', 'filler'), 0);
    const errors: SpillError[] = [];
    const writer = new ResultWriter(
      async () => {
        throw new StoreError('unreachable', 'postgres://u@h/db', 'store.insertResults: unreachable (ECONNREFUSED)');
      },
      { spillDir, timers: new FakeTimers(), onSpillError: (error) => errors.push(error) },
    );
    for (let round = 0; round < 12; round++) writer.add(rows(round * 8, 8));
    const stats = await writer.close();
    assert.equal(stats.unsaved, 96, 'all 12 rounds held, none silently lost');
    assert.equal(errors.at(-1)?.code, 'unsaved-at-close');
    assert.deepEqual(readdirSync(spillDir), [], 'no 0-byte .tmp file left behind');
  });
});
