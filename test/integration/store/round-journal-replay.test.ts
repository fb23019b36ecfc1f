/**
 * The journal against a real PGlite store and a real kill -9. A writer whose rows reached the database
 * but whose process died before the journal was cut sends them again at the next start: the rounds
 * table ignores what it already has (ON CONFLICT DO NOTHING on (path_id, round_at_ms)), so every round is
 * stored once. And a child process that added rounds to a writer whose database never answered, then
 * was SIGKILLed, leaves them on disk for the next writer, which sends them in order, each once. Before
 * the journal both sets of rows were only in memory, and the killed child's were lost.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, ResultWriter, type RoundResultRecord } from '../../../src/store/index.js';
import { DAY_MS, T0, pathRecord, round } from './store-fixtures.js';

const dirs: string[] = [];
const newDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-journal-it-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const journalFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('journal-'));
const at = (rows: readonly RoundResultRecord[]): number[] => rows.map((r) => r.roundAtMs);

describe('round journal replay', () => {
  it('a crash between the database write and the journal cut replays rows the store takes idempotently', async () => {
    const base = newDir();
    const spillDir = join(base, 'spill');
    const store = await openStore(`pglite:${join(base, 'db')}`);
    try {
      await store.upsertPaths([pathRecord('jp')]);
      const rows = Array.from({ length: 30 }, (_, i) => round('jp', T0 + i * 10_000, 1 + i / 10));
      let committed!: () => void;
      const inDatabase = new Promise<void>((resolve) => {
        committed = resolve;
      });
      // The insert commits, then the process "dies" before the writer hears back: the journal is not cut.
      const dying = new ResultWriter(
        async (batch) => {
          await store.insertResults(batch);
          committed();
          await new Promise<never>(() => undefined);
        },
        { spillDir, batchRows: 100, flushIntervalMs: 5 },
      );
      dying.add(rows.slice(0, 20));
      dying.add(rows.slice(20));
      await inDatabase;
      assert.equal(await store.countResults('jp'), 30);
      assert.ok(journalFiles(spillDir).length > 0, 'the journal still holds the written rows');

      const next = new ResultWriter((batch) => store.insertResults(batch), { spillDir, batchRows: 100, flushIntervalMs: 5 });
      assert.equal(next.stats().replayedFromJournal, 30);
      await next.flush();
      const stats = await next.close();
      assert.equal(stats.written, 30, 'the replayed rows were sent again');
      assert.equal(await store.countResults('jp'), 30, 'and stored once');
      assert.deepEqual(at(await store.results('jp', T0, T0 + DAY_MS)), at(rows));
      assert.deepEqual(readdirSync(spillDir), [], 'journal cut, nothing left behind');
    } finally {
      await store.close();
    }
  });

  it('a child killed with SIGKILL after add() leaves its rounds for the next writer', async () => {
    const spillDir = newDir();
    const storeModule = fileURLToPath(new URL('../../../src/store/index.js', import.meta.url));
    const script = `
      import { ResultWriter } from ${JSON.stringify(storeModule)};
      // A database that never answers: the rows stay in the writer, as in a round just counted.
      const writer = new ResultWriter(() => new Promise(() => {}), { spillDir: ${JSON.stringify(spillDir)}, flushIntervalMs: 10 });
      for (let round = 0; round < 3; round++) {
        writer.add(Array.from({ length: 100 }, (_, p) => ({
          pathId: 'kp' + p, roundAtMs: ${T0} + round * 1000, sent: 10, received: 10, lossPct: 0, rttMinMs: 1, rttAvgMs: 1.5,
          rttMaxMs: 2, rttP50Ms: 1.5, rttP95Ms: 2, rttP99Ms: 2, jitterMs: 0.1 })));
      }
      process.stdout.write('added\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += String(chunk);
        if (out.includes('added')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child exited with ${code} before adding`)));
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const got: RoundResultRecord[] = [];
    const writer = new ResultWriter(
      async (batch) => {
        got.push(...batch);
      },
      { spillDir, flushIntervalMs: 10 },
    );
    await writer.flush();
    await writer.close();
    const expected = [0, 1, 2].flatMap((r) => Array.from({ length: 100 }, (_, p) => `kp${p}@${T0 + r * 1000}`));
    assert.deepEqual(
      got.map((r) => `${r.pathId}@${r.roundAtMs}`),
      expected,
      'every added row, in order, once',
    );
    assert.deepEqual(readdirSync(spillDir), []);
  });
});
