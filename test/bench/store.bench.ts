/**
 * Storage figures the issue asks for, measured in one run:
 * - write rate: round results per second into the PostgreSQL server (goal >= 100,000/s) and into PGlite,
 *   through the batching ResultWriter as the monitor uses it (add() per round of 1,000 paths, batches
 *   of BATCH_ROWS, flush at the end). On the server both write methods are timed (unnest INSERT and
 *   COPY), and the peer is the naive way: one INSERT statement per row.
 * - history: a 30-day chart of one path (`history(path, now-30d, now, 500)`) at a realistic volume: 1,000
 *   paths probed every 10 s (PGlite: 100 paths), in steady state with the default retention: 48 h of raw
 *   rounds, 7 days of 5-minute buckets, 30 days of 1-hour buckets. The volume is generated in SQL with
 *   generate_series, straight into the tables, which is much faster than writing it round by round.
 *   Raw rounds are generated round by round (time outer, paths inner), the physical order a monitor
 *   writes them in, which is what the BRIN index on round time relies on.
 *   Goal < 100 ms. A 1-hour chart (raw rounds) and a 24-hour summary of every path are timed beside it.
 * Medians of several runs. The machine is shared with other builds and tests, so figures are noisy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, ResultWriter, type InsertMethod, type RoundResultRecord, type SqlStore } from '../../src/store/index.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { dropSchema, pgUnreachableReason, testPgUrl, uniqueSchemaName } from '../helpers/test-postgres.js';
import type { Benchmark } from './benchmark.js';

const WRITE_GOAL_PER_S = 100_000;
const HISTORY_GOAL_MS = 100;
const PATHS_PER_ROUND = 1000;
const BATCH_ROWS = 5000;
const SERVER_WRITE_ROWS = 200_000;
const PGLITE_WRITE_ROWS = 50_000;
const NAIVE_ROWS = 3000;
const WRITE_RUNS = 3;
const QUERY_RUNS = 9;
const SERVER_HISTORY_PATHS = 1000;
const PGLITE_HISTORY_PATHS = 100;
const ROUND_INTERVAL_MS = 10_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const NOW_MS = Date.UTC(2025, 5, 1);

const rawClient = (store: SqlStore): SqlClient => (store as unknown as { client: SqlClient }).client;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sig = (v: number): number => Number(v.toPrecision(4));

function roundRows(count: number): RoundResultRecord[][] {
  const rounds: RoundResultRecord[][] = [];
  for (let r = 0; r * PATHS_PER_ROUND < count; r++) {
    const batch: RoundResultRecord[] = [];
    for (let p = 0; p < PATHS_PER_ROUND && r * PATHS_PER_ROUND + p < count; p++) {
      const rtt = 0.3 + ((p * 7 + r * 13) % 100) / 50;
      batch.push({
        pathId: `path-${String(p).padStart(4, '0')}-${'0123456789abcdef'.repeat(2)}`,
        roundAtMs: NOW_MS + r * ROUND_INTERVAL_MS,
        sent: 10,
        received: (p + r) % 50 === 0 ? 9 : 10,
        lossPct: (p + r) % 50 === 0 ? 10 : 0,
        rttMinMs: rtt * 0.8,
        rttAvgMs: rtt,
        rttMaxMs: rtt * 2,
        rttP50Ms: rtt,
        rttP95Ms: rtt * 1.5,
        rttP99Ms: rtt * 1.9,
        jitterMs: 0.05,
      });
    }
    rounds.push(batch);
  }
  return rounds;
}

async function writeRate(store: SqlStore, method: InsertMethod, rowCount: number, log: (l: string) => void, label: string): Promise<number> {
  store.insertMethod = method;
  const rounds = roundRows(rowCount);
  const rates: number[] = [];
  for (let run = 0; run < WRITE_RUNS; run++) {
    await rawClient(store).query('TRUNCATE round_results');
    const writer = new ResultWriter((rows) => store.insertResults(rows), { batchRows: BATCH_ROWS, flushIntervalMs: 50, maxMemoryRows: rowCount + 1 });
    const started = performance.now();
    for (const round of rounds) writer.add(round);
    await writer.flush();
    const seconds = (performance.now() - started) / 1000;
    await writer.close();
    const stored = Number((await rawClient(store).query<{ n: unknown }>('SELECT count(*) AS n FROM round_results')).rows[0]!.n);
    if (stored !== rowCount) throw new Error(`bench.store: ${label} stored ${stored} rows of ${rowCount}; expected all of them`);
    rates.push(rowCount / seconds);
    log(`  ${label} run ${run + 1}: ${Math.round(rowCount / seconds).toLocaleString('en')} rows/s`);
  }
  return median(rates);
}

async function naiveServerRate(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query('TRUNCATE round_results');
    const rows = roundRows(NAIVE_ROWS).flat();
    const started = performance.now();
    for (const r of rows) {
      await client.query(`INSERT INTO round_results VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING`, [
        r.pathId,
        r.roundAtMs,
        r.sent,
        r.received,
        r.lossPct,
        r.rttMinMs,
        r.rttAvgMs,
        r.rttMaxMs,
        r.rttP50Ms,
        r.rttP95Ms,
        r.rttP99Ms,
        r.jitterMs,
      ]);
    }
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
}

/** Fills the tables as 30 days of `paths` paths every 10 s would leave them under the default retention. */
async function generateHistory(store: SqlStore, paths: number): Promise<{ rawRows: number; fiveMinuteRows: number; hourRows: number; seconds: number }> {
  const q = rawClient(store);
  const started = performance.now();
  const pathId = `'path-' || lpad(p::text, 4, '0')`;
  await q.query('TRUNCATE round_results, rollups, paths');
  await q.query(
    `INSERT INTO paths SELECT ${pathId}, 'dev1->dev2', 'dev1', 'dev2', '["dev1","R1","dev2"]', '["10.0.0.1"]', '["R1"]', '["a>b"]', $1::bigint, NULL
    FROM generate_series(0, $2::integer - 1) p`,
    [NOW_MS - 30 * DAY_MS, paths],
  );
  const rawStart = NOW_MS - 48 * HOUR_MS;
  const raw = await q.query(
    `INSERT INTO round_results
    SELECT ${pathId}, t, 10, CASE WHEN random() < 0.01 THEN 9 ELSE 10 END, 0, 0.4 + random() * 0.1, 0.6 + random() * 0.1, 1.5 + random(),
           0.6 + random() * 0.1, 0.9 + random() * 0.2, 1.2 + random() * 0.3, 0.05
      FROM generate_series($2::bigint, $3::bigint - 1, ${ROUND_INTERVAL_MS}) t
      CROSS JOIN LATERAL generate_series(0, $1::integer - 1 + 0 * (t % 2)::integer) p`,
    [paths, rawStart, NOW_MS],
  );
  const tier = (tierMs: number, fromMs: number): Promise<{ rowCount: number }> =>
    q.query(
      `INSERT INTO rollups
    SELECT ${tierMs}, ${pathId}, b, ${tierMs / ROUND_INTERVAL_MS}, ${(10 * tierMs) / ROUND_INTERVAL_MS}, ${(10 * tierMs) / ROUND_INTERVAL_MS} - (random() * 3)::int,
           0.4 + random() * 0.1, 0.6 + random() * 0.1, 0.9 + random() * 0.2, 1.2 + random() * 0.3, 1.5 + random()
      FROM generate_series(0, $1::integer - 1) p, generate_series($2::bigint, $3::bigint - 1, ${tierMs}) b`,
      [paths, fromMs, NOW_MS],
    );
  const five = await tier(300_000, NOW_MS - 7 * DAY_MS);
  const hour = await tier(HOUR_MS, NOW_MS - 30 * DAY_MS);
  await q.query(
    `UPDATE rollup_state SET rolled_until_ms = $1::bigint,
    kept_since_ms = CASE tier_ms WHEN 0 THEN $2::bigint WHEN 300000 THEN $3::bigint ELSE $4::bigint END`,
    [NOW_MS, rawStart, NOW_MS - 7 * DAY_MS, NOW_MS - 30 * DAY_MS],
  );
  await q.query('ANALYZE');
  return { rawRows: raw.rowCount, fiveMinuteRows: five.rowCount, hourRows: hour.rowCount, seconds: sig((performance.now() - started) / 1000) };
}

async function timeQueries(
  store: SqlStore,
  paths: number,
  log: (l: string) => void,
  label: string,
): Promise<{ history30dMs: number; history30dPoints: number; history1hMs: number; summaries24hMs: number }> {
  const one = `path-${String(Math.floor(paths / 2)).padStart(4, '0')}`;
  const timed = async (what: string, work: () => Promise<unknown>): Promise<number> => {
    await work(); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < QUERY_RUNS; i++) {
      const started = performance.now();
      await work();
      ms.push(performance.now() - started);
    }
    log(`  ${label} ${what}: median ${median(ms).toFixed(2)} ms of ${QUERY_RUNS} (min ${Math.min(...ms).toFixed(2)}, max ${Math.max(...ms).toFixed(2)})`);
    return sig(median(ms));
  };
  const points = (await store.history(one, NOW_MS - 30 * DAY_MS, NOW_MS, 500)).length;
  const rounds = (await store.history(one, NOW_MS - 30 * DAY_MS, NOW_MS, 500)).reduce((n, p) => n + p.rounds, 0);
  log(`  ${label} 30-day history of ${one}: ${points} points covering ${rounds.toLocaleString('en')} rounds`);
  return {
    history30dMs: await timed('history 30 days, 500 points', () => store.history(one, NOW_MS - 30 * DAY_MS, NOW_MS, 500)),
    history30dPoints: points,
    history1hMs: await timed('history 1 hour (raw rounds)', () => store.history(one, NOW_MS - HOUR_MS, NOW_MS, 500)),
    summaries24hMs: await timed(`summaries 24 h, all ${paths} paths`, () => store.summaries(NOW_MS - DAY_MS, NOW_MS)),
  };
}

async function run(log: (line: string) => void): Promise<object> {
  log(`write rate: rounds of ${PATHS_PER_ROUND} paths through ResultWriter, batches of ${BATCH_ROWS} rows, median of ${WRITE_RUNS}`);
  const result: Record<string, unknown> = {
    benchmark: 'store',
    goals: { writeRowsPerSecondServer: WRITE_GOAL_PER_S, history30dMs: HISTORY_GOAL_MS },
    settings: { batchRows: BATCH_ROWS, serverWriteRows: SERVER_WRITE_ROWS, pgliteWriteRows: PGLITE_WRITE_ROWS, roundIntervalMs: ROUND_INTERVAL_MS },
    note: 'shared 2-core machine with other builds and tests running: figures are noisy',
  };

  const unreachable = await pgUnreachableReason();
  if (unreachable) {
    log(`  PostgreSQL server skipped: ${unreachable}`);
    result.server = { skipped: unreachable };
  } else {
    const schema = uniqueSchemaName('pmbench');
    const store = await openStore(testPgUrl, { schema, queryTimeoutMs: 30 * 60_000 });
    try {
      const unnest = await writeRate(store, 'unnest', SERVER_WRITE_ROWS, log, 'server unnest');
      const copy = await writeRate(store, 'copy', SERVER_WRITE_ROWS, log, 'server COPY');
      const naive = await naiveServerRate(testPgUrl, schema);
      log(`  server peer, one INSERT per row: ${Math.round(naive).toLocaleString('en')} rows/s`);
      const best = Math.max(unnest, copy);
      log(
        `server write: unnest ${Math.round(unnest).toLocaleString('en')}/s, COPY ${Math.round(copy).toLocaleString('en')}/s ` +
          `(${sig(best / naive)}x one-INSERT-per-row); goal >= ${WRITE_GOAL_PER_S.toLocaleString('en')}/s: ${best >= WRITE_GOAL_PER_S ? 'MET' : 'NOT MET'}`,
      );
      log(`history volume (server): ${SERVER_HISTORY_PATHS} paths every 10 s, steady state under default retention`);
      const volume = await generateHistory(store, SERVER_HISTORY_PATHS);
      log(
        `  generated ${volume.rawRows.toLocaleString('en')} raw rounds, ${volume.fiveMinuteRows.toLocaleString('en')} 5-minute and ${volume.hourRows.toLocaleString('en')} 1-hour buckets in ${volume.seconds} s`,
      );
      const queries = await timeQueries(store, SERVER_HISTORY_PATHS, log, 'server');
      log(`server 30-day history: ${queries.history30dMs} ms; goal < ${HISTORY_GOAL_MS} ms: ${queries.history30dMs < HISTORY_GOAL_MS ? 'MET' : 'NOT MET'}`);
      result.server = {
        writeRowsPerSecond: { unnest: Math.round(unnest), copy: Math.round(copy), oneInsertPerRow: Math.round(naive) },
        writeGoalMet: best >= WRITE_GOAL_PER_S,
        historyVolume: { paths: SERVER_HISTORY_PATHS, ...volume },
        queries,
        historyGoalMet: queries.history30dMs < HISTORY_GOAL_MS,
      };
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'pathmon-bench-store-'));
  try {
    const store = await openStore(`pglite:${dir}`);
    try {
      const rate = await writeRate(store, 'unnest', PGLITE_WRITE_ROWS, log, 'PGlite unnest');
      log(`PGlite write: ${Math.round(rate).toLocaleString('en')} rows/s (data directory on local disk)`);
      log(`history volume (PGlite): ${PGLITE_HISTORY_PATHS} paths every 10 s, steady state under default retention`);
      const volume = await generateHistory(store, PGLITE_HISTORY_PATHS);
      log(
        `  generated ${volume.rawRows.toLocaleString('en')} raw rounds, ${volume.fiveMinuteRows.toLocaleString('en')} 5-minute and ${volume.hourRows.toLocaleString('en')} 1-hour buckets in ${volume.seconds} s`,
      );
      const queries = await timeQueries(store, PGLITE_HISTORY_PATHS, log, 'PGlite');
      log(`PGlite 30-day history: ${queries.history30dMs} ms; goal < ${HISTORY_GOAL_MS} ms: ${queries.history30dMs < HISTORY_GOAL_MS ? 'MET' : 'NOT MET'}`);
      result.pglite = {
        writeRowsPerSecond: { unnest: Math.round(rate) },
        historyVolume: { paths: PGLITE_HISTORY_PATHS, ...volume },
        queries,
        historyGoalMet: queries.history30dMs < HISTORY_GOAL_MS,
      };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

export const benchmark: Benchmark = { name: 'store', run };
