/**
 * The round journal on its own: segments rotate without splitting an append, release() deletes a
 * segment only once all its rows are written, left-over segments are read back in order (a torn last
 * line skipped and counted, an empty segment removed), and a failed append is tracked as a gap of
 * unjournaled rows rather than thrown away.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoundJournal } from '../../../src/store/round-journal.js';

const dirs: string[] = [];
const newDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-journal-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const seq = (from: number, count: number): { n: number }[] => Array.from({ length: count }, (_, i) => ({ n: from + i }));

describe('RoundJournal', () => {
  it('rotates segments at segmentRows without splitting an append, and deletes a segment once all its rows are released', () => {
    const dir = newDir();
    const journal = new RoundJournal<{ n: number }>(dir, { segmentRows: 4 });
    journal.append(seq(0, 3));
    journal.append(seq(3, 3)); // 6 rows in the first segment: an append is never split
    journal.append(seq(6, 2)); // a new segment
    assert.equal(readdirSync(dir).length, 2);
    journal.release(5);
    assert.equal(readdirSync(dir).length, 2, 'one row of the first segment is not written yet');
    journal.release(1);
    assert.equal(readdirSync(dir).length, 1);
    journal.release(2);
    assert.deepEqual(readdirSync(dir), []);
    journal.append(seq(8, 1));
    assert.equal(readdirSync(dir).length, 1, 'a new segment after the last one was cut');
  });

  it('reads left-over segments back in order, skipping a torn last line, and removes empty ones', () => {
    const dir = newDir();
    const before = new RoundJournal<{ n: number }>(dir, { segmentRows: 2 });
    before.append(seq(0, 2));
    before.append(seq(2, 2));
    const names = readdirSync(dir).sort();
    appendFileSync(join(dir, names[1]!), '{"n":4'); // killed mid-append
    writeFileSync(join(dir, 'journal-0000000000000099.wal'), '');
    const after = new RoundJournal<{ n: number }>(dir, { segmentRows: 2 });
    assert.deepEqual(after.recovered, seq(0, 4));
    assert.equal(after.corruptLines, 1);
    assert.equal(after.segmentCount, 2, 'the empty segment is gone');
    after.append(seq(10, 1));
    assert.ok(readdirSync(dir).includes('journal-0000000000000100.wal'), 'new segments are numbered after the left-over ones');
    after.release(4);
    assert.deepEqual(readdirSync(dir), ['journal-0000000000000100.wal']);
  });

  it('counts rows whose append failed as unjournaled, until they are released', () => {
    const base = newDir();
    const journal = new RoundJournal<{ n: number }>(base, { segmentRows: 10 });
    journal.append(seq(0, 2));
    rmSync(base, { recursive: true, force: true }); // the directory vanishes under the writer
    assert.throws(() => journal.append(seq(2, 3)), /ENOENT/);
    assert.throws(() => journal.append(seq(5, 1)), /ENOENT/);
    assert.equal(journal.unjournaled, 4);
    assert.equal(journal.rowsOnDisk(), 0, 'the segment went with its directory');
    journal.release(4);
    assert.equal(journal.unjournaled, 2);
    journal.release(2);
    assert.equal(journal.unjournaled, 0);
  });
});
