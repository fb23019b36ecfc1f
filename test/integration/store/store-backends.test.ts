/**
 * One storage suite, run against embedded PGlite and against the PostgreSQL server on 127.0.0.1:5432
 * (through a TCP proxy the tests can cut). Same cases, same expectations: the application must not be
 * able to tell the backends apart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestSchemaVersion, openStore, ResultWriter, StoreError, type RoundResultRecord, type SqlStore } from '../../../src/store/index.js';
import type { SqlClient } from '../../../src/store/sql-client.js';
import { backends, type OpenedStore } from './backends.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, T0, pathRecord, round, rounds, transition, until } from './store-fixtures.js';

const rawClient = (store: SqlStore): SqlClient => (store as unknown as { client: SqlClient }).client;

for (const backend of await backends()) {
  describe(`store on ${backend.name}`, { skip: backend.skip }, () => {
    let shared: OpenedStore;
    const opened: OpenedStore[] = [];
    const fresh = async (): Promise<OpenedStore> => {
      const o = await backend.open();
      opened.push(o);
      return o;
    };
    before(async () => {
      shared = await fresh();
    });
    after(async () => {
      for (const o of opened) await o.dispose().catch(() => undefined);
    });

    it('migrates a new database, reopens without migrating again, keeps the data', async () => {
      const o = await fresh();
      assert.equal(o.store.schemaVersion, latestSchemaVersion);
      await o.store.upsertPaths([pathRecord('kept')]);
      if (backend.name === 'PGlite') await o.store.close(); // one process per data directory
      const again = await openStore(o.location, { schema: o.schema });
      try {
        assert.equal(again.schemaVersion, latestSchemaVersion);
        assert.deepEqual(
          (await again.paths()).map((p) => p.id),
          ['kept'],
        );
        const { rows } = await rawClient(again).query<{ n: unknown }>('SELECT count(*) AS n FROM schema_migrations');
        assert.equal(Number(rows[0]!.n), latestSchemaVersion);
      } finally {
        await again.close();
      }
    });

    it('refuses a database whose schema is newer than this pathmon', async () => {
      const o = await fresh();
      await rawClient(o.store).query(`INSERT INTO schema_migrations (version, name) VALUES (${latestSchemaVersion + 1}, 'from the future')`);
      if (backend.name === 'PGlite') await o.store.close();
      await assert.rejects(openStore(o.location, { schema: o.schema }), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'schema-too-new');
        assert.match(err.message, new RegExp(`version ${latestSchemaVersion + 1}`));
        return true;
      });
    });

    it('upserts paths: updates in place, keeps first-seen, marks gone and back', async () => {
      const { store } = shared;
      await store.upsertPaths([pathRecord('up-a', { firstSeenMs: T0 }), pathRecord('up-b')]);
      await store.upsertPaths([pathRecord('up-a', { firstSeenMs: T0 + 5000, names: ['dev1', 'R9', 'dev2'] })]);
      let a = (await store.paths()).find((p) => p.id === 'up-a')!;
      assert.deepEqual(a.names, ['dev1', 'R9', 'dev2']);
      assert.equal(a.firstSeenMs, T0);
      await store.markPathsGone(['up-a'], T0 + 9000);
      a = (await store.paths()).find((p) => p.id === 'up-a')!;
      assert.equal(a.goneAtMs, T0 + 9000);
      assert.equal((await store.paths()).find((p) => p.id === 'up-b')!.goneAtMs, null);
      await store.upsertPaths([pathRecord('up-a')]);
      assert.equal((await store.paths()).find((p) => p.id === 'up-a')!.goneAtMs, null);
    });

    it('stores round results once, however often a batch is replayed', async () => {
      const { store } = shared;
      const batch = [round('idem', T0), round('idem', T0 + 10_000, 3, 0), round('idem', T0 + 20_000, 2)];
      await store.insertResults(batch);
      await store.insertResults(batch);
      await store.insertResults([batch[2]!, round('idem', T0 + 30_000)]);
      const stored = await store.results('idem', T0, T0 + HOUR_MS);
      assert.deepEqual(
        stored.map((r) => r.roundAtMs),
        [T0, T0 + 10_000, T0 + 20_000, T0 + 30_000],
      );
      assert.deepEqual(stored[1], batch[1]); // nulls of a round where nothing came back stay null
      assert.deepEqual(stored[0], batch[0]);
    });

    it("keeps transitions with evidence and answers each path's current state", async () => {
      const { store } = shared;
      await store.addTransition(transition('tr-a', T0, null, 'UP'));
      await store.addTransition(transition('tr-a', T0 + 60_000, 'UP', 'DEGRADED'));
      await store.addTransition(transition('tr-b', T0 + 30_000, null, 'DOWN'));
      await store.addTransition(transition('tr-a', T0 + 120_000, 'DEGRADED', 'UP'));
      const states = await store.currentStates();
      assert.deepEqual(states.get('tr-a'), { state: 'UP', sinceMs: T0 + 120_000 });
      assert.deepEqual(states.get('tr-b'), { state: 'DOWN', sinceMs: T0 + 30_000 });
      const window = await store.transitions('tr-a', T0 + 1, T0 + 120_000);
      assert.deepEqual(
        window.map((t) => t.to),
        ['DEGRADED'],
      );
      assert.deepEqual(window[0]!.evidence, transition('tr-a', T0 + 60_000, 'UP', 'DEGRADED').evidence);
      assert.ok((await store.transitions(null, T0)).some((t) => t.pathId === 'tr-b'));
    });

    it('never holds two open tickets for one incident subject', async () => {
      const { store } = shared;
      const key = 'link:R1->R2';
      await store.saveTicket({ subjectKey: key, incidentId: 'inc-1', ticketId: 101, openedAtMs: T0, lastState: 'down', resolvedAtMs: null });
      await assert.rejects(
        store.saveTicket({ subjectKey: key, incidentId: 'inc-2', ticketId: 102, openedAtMs: T0 + 1, lastState: 'down', resolvedAtMs: null }),
        (err: unknown) => err instanceof StoreError && err.code === 'duplicate-open-ticket' && err.message.includes(key),
      );
      await store.saveTicket({ subjectKey: 'path:tk', incidentId: 'path:tk:1', ticketId: 201, openedAtMs: T0, lastState: 'loss', resolvedAtMs: null });
      await store.saveTicket({ subjectKey: key, incidentId: 'inc-1', ticketId: 101, openedAtMs: T0, lastState: 'loss', resolvedAtMs: null });
      assert.deepEqual(await store.openTicket(key), { subjectKey: key, incidentId: 'inc-1', ticketId: 101, openedAtMs: T0, lastState: 'loss', resolvedAtMs: null });
      await store.saveTicket({ subjectKey: key, incidentId: 'inc-1', ticketId: 101, openedAtMs: T0, lastState: 'loss', resolvedAtMs: T0 + 5 });
      assert.equal(await store.openTicket(key), null);
      await store.saveTicket({ subjectKey: key, incidentId: 'inc-2', ticketId: 102, openedAtMs: T0 + 6, lastState: 'down', resolvedAtMs: null });
      assert.equal((await store.openTicket(key))?.incidentId, 'inc-2');
      assert.deepEqual(
        (await store.openTickets()).filter((t) => t.subjectKey === key).map((t) => t.ticketId),
        [102],
      );
      assert.equal((await store.openTicket('path:tk'))?.ticketId, 201, 'another subject keeps its own');
    });

    it('keeps notifications and topology snapshots', async () => {
      const { store } = shared;
      await store.addNotification({ atMs: T0, channel: 'email', subjectKeys: ['path:n1', 'link:R1->R2'], status: 'failed', detail: 'SMTP 550' });
      assert.deepEqual(await store.notifications(T0, T0 + 1), [{ atMs: T0, channel: 'email', subjectKeys: ['path:n1', 'link:R1->R2'], status: 'failed', detail: 'SMTP 550' }]);
      const graph = { nodes: [{ name: 'R1' }], links: [] };
      await store.addTopologySnapshot({ atMs: T0, source: 'exabgp', nodeCount: 1, linkCount: 0, graph });
      assert.deepEqual((await store.latestTopologySnapshot())?.graph, graph);
    });

    it('rolls up old rounds, deletes raw ones past 48 h, and answers long ranges from rollups', async () => {
      const { store } = await fresh();
      const now = T0 + 3 * DAY_MS;
      // One round a minute for 3 days: RTT 1 ms on day 1, 2 ms on day 2, 3 ms on day 3.
      const all: RoundResultRecord[] = [];
      for (let day = 0; day < 3; day++) all.push(...rounds('ret', T0 + day * DAY_MS, T0 + (day + 1) * DAY_MS, MINUTE_MS, day + 1));
      for (let i = 0; i < all.length; i += 1000) await store.insertResults(all.slice(i, i + 1000));
      const { deletedRounds } = await store.applyRetention(now);
      assert.equal(deletedRounds, 24 * 60, 'the first day is past 48 h');
      assert.equal((await store.results('ret', T0, now)).length, 2 * 24 * 60);

      const long = await store.history('ret', T0, now, 100);
      assert.ok(long.length <= 100 && long.length >= 36, `${long.length} points`);
      assert.equal(
        long.reduce((n, p) => n + p.rounds, 0),
        3 * 24 * 60,
        'every round counted, deleted raw ones too',
      );
      assert.equal(long[0]!.rttP50Ms, 1);
      assert.equal(long[long.length - 1]!.rttP50Ms, 3);
      assert.equal(long[0]!.rttMinMs, 0.5);

      const short = await store.history('ret', now - HOUR_MS, now, 1000);
      assert.equal(short.length, 60, 'an hour at full resolution: one point per round');
      assert.ok(short.every((p) => p.rounds === 1 && p.rttP95Ms === 4.5));

      // Rounds after the last rollup show up in long ranges at once, and so does a late round for an
      // hour already rolled up; the next rollup folds it into its bucket without counting it twice.
      await store.insertResults([round('ret', now + MINUTE_MS, 7), round('ret', now - 2 * HOUR_MS + 30_000, 9)]);
      const tail = await store.history('ret', T0, now + HOUR_MS, 100);
      assert.equal(
        tail.reduce((n, p) => n + p.rounds, 0),
        3 * 24 * 60 + 2,
      );
      await store.applyRetention(now + 2 * MINUTE_MS);
      const after = await store.history('ret', T0, now + HOUR_MS, 100);
      assert.equal(
        after.reduce((n, p) => n + p.rounds, 0),
        3 * 24 * 60 + 2,
      );
      assert.ok(
        after.some((p) => p.rttMaxMs === 18),
        "the late round's max is in its bucket",
      );

      // 31 days later everything but the last day is past retention.
      await store.applyRetention(now + 30 * DAY_MS);
      const month = await store.history('ret', T0, now + 31 * DAY_MS, 500);
      assert.ok(
        month.every((p) => p.atMs >= now),
        'nothing older than 30 days',
      );
    });

    it('summarises each path: loss, percentiles, time in each state, open ticket; never a walk', async () => {
      const { store } = await fresh();
      await store.upsertPaths([pathRecord('s-a'), pathRecord('s-b')]);
      await store.upsertWalks([{ id: 'ws-walk', names: ['dev1', 'R1', 'R2', 'R1', 'dev1'], linkKeys: ['dev1>R1', 'R1>R2', 'R2>R1', 'R1>dev1'], firstSeenMs: T0, goneAtMs: null }]);
      await store.insertResults([round('s-a', T0, 1, 10), round('s-a', T0 + 10_000, 3, 5), round('s-b', T0, 2), round('ws-walk', T0, 9, 0)]);
      await store.addTransition(transition('s-a', T0 - HOUR_MS, null, 'UP'));
      await store.addTransition(transition('s-a', T0 + 15 * MINUTE_MS, 'UP', 'DEGRADED'));
      await store.saveTicket({ subjectKey: 'path:s-a', incidentId: 'path:s-a:1', ticketId: 7, openedAtMs: T0 + 15 * MINUTE_MS, lastState: 'loss', resolvedAtMs: null });
      // A link ticket whose key ends like a path id is not that path's ticket.
      await store.saveTicket({ subjectKey: 'link:s-b', incidentId: 'link:s-b:1', ticketId: 8, openedAtMs: T0, lastState: 'down', resolvedAtMs: null });
      const summaries = await store.summaries(T0, T0 + HOUR_MS);
      assert.deepEqual(summaries.map((s) => s.path.id).sort(), ['s-a', 's-b'], 'walks are not user paths');
      const a = summaries.find((s) => s.path.id === 's-a')!;
      assert.equal(a.rounds, 2);
      assert.equal(a.sent, 20);
      assert.equal(a.received, 15);
      assert.equal(a.lossPct, 25);
      assert.equal(a.rttP50Ms, 2);
      assert.equal(a.state, 'DEGRADED');
      assert.equal(a.stateSinceMs, T0 + 15 * MINUTE_MS);
      assert.deepEqual(a.timeInStateMs, { UP: 15 * MINUTE_MS, DEGRADED: 45 * MINUTE_MS });
      assert.equal(a.openTicketId, 7);
      const b = summaries.find((s) => s.path.id === 's-b')!;
      assert.equal(b.state, null);
      assert.equal(b.openTicketId, null);
      assert.equal(b.lossPct, 0);
    });

    it('writer: the database goes away mid-run, nothing is lost and nothing doubled', async () => {
      const o = await fresh();
      const spillDir = mkdtempSync(join(tmpdir(), 'pathmon-spill-'));
      const writer = new ResultWriter(o.sink, { batchRows: 50, flushIntervalMs: 10, maxMemoryRows: 120, spillDir, retryInitialMs: 20, retryMaxMs: 200 });
      try {
        const added: RoundResultRecord[] = [];
        const addRound = (i: number): void => {
          const batch = Array.from({ length: 10 }, (_, p) => round(`w${p}`, T0 + i * 10_000));
          added.push(...batch);
          writer.add(batch);
        };
        for (let i = 0; i < 10; i++) addRound(i);
        await writer.flush();
        o.cut();
        for (let i = 10; i < 20; i++) addRound(i);
        await until(() => writer.stats().failedWrites > 0, 'a failed write');
        for (let i = 20; i < 60; i++) addRound(i);
        const during = writer.stats();
        assert.equal(during.state, 'retrying');
        assert.ok(during.spilled > 0, 'beyond 120 rows in memory, rows go to disk');
        assert.equal(during.buffered + during.spilled + during.written, added.length);
        o.restore();
        await until(() => writer.stats().buffered + writer.stats().spilled === 0, 'the backlog to drain');
        assert.equal(await o.store.countResults(), added.length);
        assert.equal(writer.stats().state, 'ok');
        assert.deepEqual(
          readdirSync(spillDir).filter((f) => f.startsWith('spill-')),
          [],
        );
      } finally {
        o.restore();
        await writer.close();
        rmSync(spillDir, { recursive: true, force: true });
      }
    });

    it('writer: stopped during an outage, the next writer replays the spill files', async () => {
      const o = await fresh();
      const spillDir = mkdtempSync(join(tmpdir(), 'pathmon-spill-'));
      try {
        o.cut();
        const first = new ResultWriter(o.sink, { batchRows: 100, flushIntervalMs: 10, maxMemoryRows: 50, spillDir, retryInitialMs: 10 });
        const rows = rounds('replay', T0, T0 + 200 * 10_000, 10_000);
        first.add(rows.slice(0, 120));
        first.add(rows.slice(120));
        const stopped = await first.close();
        assert.equal(stopped.written, 0);
        assert.equal(stopped.spilled, 200, 'memory went to disk at close');
        o.restore();
        const second = new ResultWriter(o.sink, { batchRows: 100, flushIntervalMs: 10, spillDir });
        await second.flush();
        await second.close();
        const stored = await o.store.results('replay', T0, T0 + DAY_MS);
        assert.deepEqual(
          stored.map((r) => r.roundAtMs),
          rows.map((r) => r.roundAtMs),
        );
        assert.deepEqual(
          readdirSync(spillDir).filter((f) => f.startsWith('spill-')),
          [],
        );
      } finally {
        o.restore();
        rmSync(spillDir, { recursive: true, force: true });
      }
    });
  });
}
