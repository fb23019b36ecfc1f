/**
 * What link localization stores, on both backends (embedded PGlite and the PostgreSQL server): cover
 * walks, incidents with their change history (one open incident per subject, written in one
 * transaction), per-round link estimates and their folded history, every route's rounds for replay, and
 * retention of all of it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncidentChange } from '../../../src/incidents/incident.js';
import { StoreError, type WalkRecord } from '../../../src/store/index.js';
import type { SqlClient } from '../../../src/store/sql-client.js';
import type { SqlStore } from '../../../src/store/sql-store.js';
import { backends, type OpenedStore } from './backends.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, T0, estimate, linkIncident, pathRecord, round, rounds } from './store-fixtures.js';

const rawClient = (store: SqlStore): SqlClient => (store as unknown as { client: SqlClient }).client;

const walk = (id: string, overrides: Partial<WalkRecord> = {}): WalkRecord => ({
  id,
  names: ['P', 'R1', 'R2', 'R1', 'P'],
  linkKeys: ['P>R1', 'R1>R2', 'R2>R1', 'R1>P'],
  firstSeenMs: T0,
  goneAtMs: null,
  ...overrides,
});

for (const backend of await backends()) {
  describe(`incident and link storage on ${backend.name}`, { skip: backend.skip }, () => {
    const opened: OpenedStore[] = [];
    const fresh = async (): Promise<OpenedStore> => {
      const o = await backend.open();
      opened.push(o);
      return o;
    };
    let shared: OpenedStore;
    before(async () => {
      shared = await fresh();
    });
    after(async () => {
      for (const o of opened) await o.dispose().catch(() => undefined);
    });

    it('upserts walks: updates in place, keeps first-seen, marks gone and back', async () => {
      const { store } = shared;
      await store.upsertWalks([walk('wa'), walk('wb', { firstSeenMs: T0 + 1 })]);
      await store.upsertWalks([walk('wa', { firstSeenMs: T0 + 5000, names: ['P', 'R3', 'P'], linkKeys: ['P>R3', 'R3>P'] })]);
      let all = await store.walks();
      assert.deepEqual(
        all.map((w) => w.id),
        ['wa', 'wb'],
      );
      assert.deepEqual(all[0], walk('wa', { names: ['P', 'R3', 'P'], linkKeys: ['P>R3', 'R3>P'] }), 'first-seen kept, the rest updated');
      await store.markWalksGone(['wa'], T0 + 9000);
      await store.markWalksGone(['wa'], T0 + 9999);
      all = await store.walks();
      assert.equal(all[0]!.goneAtMs, T0 + 9000, 'the first time it went is kept');
      assert.equal(all[1]!.goneAtMs, null);
      await store.upsertWalks([walk('wa')]);
      assert.equal((await store.walks())[0]!.goneAtMs, null, 'a re-plan that brings it back clears gone');
    });

    it("round-trips an incident's life: opened, updated, resolved, with its change history", async () => {
      const { store } = shared;
      const key = 'link:R4->R6';
      const open = linkIncident('inc-life', key, T0);
      const updated = { ...open, kind: 'down' as const, lossPct: 100, updatedAtMs: T0 + 20_000, summary: 'R4→R6: 100 % loss' };
      const resolved = { ...updated, state: 'resolved' as const, resolvedAtMs: T0 + 60_000, updatedAtMs: T0 + 60_000 };
      const changes: IncidentChange[] = [
        { change: 'opened', incident: open, previous: null, reason: 'loss 20.5 % for 3 rounds' },
        { change: 'updated', incident: updated, previous: open, reason: 'estimate rose from 20.5 % to 100 %' },
        { change: 'resolved', incident: resolved, previous: updated, reason: 'healthy for 3 rounds' },
      ];
      await store.recordIncidentChange(changes[0]!);
      assert.deepEqual(await store.incident('inc-life'), open);
      assert.deepEqual(
        (await store.openIncidents()).map((i) => i.id),
        ['inc-life'],
      );
      await store.recordIncidentChange(changes[1]!);
      assert.deepEqual(await store.incident('inc-life'), updated);
      assert.deepEqual(await store.openIncidents(), [updated]);
      await store.recordIncidentChange(changes[2]!);
      assert.deepEqual(await store.openIncidents(), []);
      assert.deepEqual(await store.incident('inc-life'), resolved);
      assert.deepEqual(await store.incidentChanges('inc-life'), changes);
      assert.equal(await store.incident('no-such-incident'), null);
      assert.deepEqual(await store.incidentChanges('no-such-incident'), []);
    });

    it('a path incident keeps its transition evidence', async () => {
      const { store } = await fresh();
      const transition = {
        pathId: 'p9',
        atMs: T0,
        from: 'UP' as const,
        to: 'DOWN' as const,
        reason: 'loss 100 % for 3 rounds',
        evidence: { rounds: [round('p9', T0 - 10_000, 1, 0)], thresholds: { delayMs: 20, lossPct: 5 }, hysteresisRounds: 3 },
      };
      const incident = linkIncident('path:p9:1', 'path:p9', T0, {
        subject: { kind: 'path', pathId: 'p9', group: 'a->b', label: 'A > R1 > B' },
        kind: 'down',
        controlPlaneUp: null,
        transition,
      });
      await store.recordIncidentChange({ change: 'opened', incident, previous: null, reason: transition.reason });
      assert.deepEqual(await store.incident('path:p9:1'), incident);
    });

    it('one open incident per subject: a second is refused and leaves nothing behind', async () => {
      const { store } = await fresh();
      const key = 'link:R1->R2';
      const first = linkIncident('dup-1', key, T0);
      await store.recordIncidentChange({ change: 'opened', incident: first, previous: null, reason: 'x' });
      const second = linkIncident('dup-2', key, T0 + 1000);
      await assert.rejects(
        store.recordIncidentChange({ change: 'opened', incident: second, previous: null, reason: 'y' }),
        (err: unknown) => err instanceof StoreError && err.code === 'duplicate-open-incident' && err.message.includes(key),
      );
      assert.equal(await store.incident('dup-2'), null);
      assert.deepEqual(await store.incidentChanges('dup-2'), [], 'the change was rolled back with the incident');
      const closed = { ...first, state: 'resolved' as const, resolvedAtMs: T0 + 500, updatedAtMs: T0 + 500 };
      await store.recordIncidentChange({ change: 'resolved', incident: closed, previous: first, reason: 'healthy' });
      await store.recordIncidentChange({ change: 'opened', incident: second, previous: null, reason: 'y' });
      assert.deepEqual(
        (await store.openIncidents()).map((i) => i.id),
        ['dup-2'],
      );
    });

    it('lists the incidents open at any time inside a range, newest first', async () => {
      const { store } = await fresh();
      const rec = async (id: string, key: string, openedAtMs: number, resolvedAtMs: number | null) => {
        const incident = linkIncident(id, key, openedAtMs);
        await store.recordIncidentChange({ change: 'opened', incident, previous: null, reason: 'r' });
        if (resolvedAtMs !== null) {
          await store.recordIncidentChange({
            change: 'resolved',
            incident: { ...incident, state: 'resolved', resolvedAtMs, updatedAtMs: resolvedAtMs },
            previous: incident,
            reason: 'r',
          });
        }
      };
      await rec('before', 'link:a', T0, T0 + HOUR_MS);
      await rec('across-start', 'link:b', T0 + 90 * MINUTE_MS, T0 + 3 * HOUR_MS);
      await rec('inside', 'link:c', T0 + 150 * MINUTE_MS, T0 + 160 * MINUTE_MS);
      await rec('still-open', 'link:d', T0 + 30 * MINUTE_MS, null);
      await rec('after', 'link:e', T0 + 5 * HOUR_MS, null);
      const listed = await store.incidents(T0 + 2 * HOUR_MS, T0 + 4 * HOUR_MS);
      assert.deepEqual(
        listed.map((i) => i.id),
        ['inside', 'across-start', 'still-open'],
      );
    });

    it('stores link estimates once per subject and round, and folds long histories keeping the worst', async () => {
      const { store } = await fresh();
      const key = 'link:R4->R6';
      // 100 rounds, 10 s apart: loss rising 0.001 per round, one down round at i = 37, delay peak at i = 55.
      const rows = Array.from({ length: 100 }, (_, i) =>
        estimate(key, T0 + i * 10_000, (i + 1) / 1000, {
          down: i === 37,
          addedDelayMs: i === 55 ? 12.5 : 0.5,
          support: i % 7,
        }),
      );
      await store.insertLinkEstimates(rows);
      await store.insertLinkEstimates(rows.slice(0, 10)); // a replayed round is a no-op, not a duplicate
      await store.insertLinkEstimates([estimate('link:R6->R4', T0 + 5_000, 0.9), estimate('group:g1', T0, 0.2)]);

      const raw = await store.linkHistory(key, T0, T0 + 1000 * 1000, 500);
      assert.deepEqual(raw, rows, 'fits: every round as stored');

      const folded = await store.linkHistory(key, T0, T0 + 1000 * 1000, 10);
      assert.ok(folded.length <= 10 && folded.length >= 1, `${folded.length} points`);
      // Buckets are 100 s wide: rounds 0-9, 10-19, ... The worst of each bucket is its last round.
      assert.deepEqual(
        folded.map((p) => p.atMs),
        Array.from({ length: 10 }, (_, b) => T0 + b * 100_000),
      );
      assert.deepEqual(
        folded.map((p) => Number(p.lossRatio.toFixed(3))),
        Array.from({ length: 10 }, (_, b) => (b * 10 + 10) / 1000),
      );
      assert.deepEqual(
        folded.map((p) => p.down),
        Array.from({ length: 10 }, (_, b) => b === 3),
        'a down round is never folded away',
      );
      assert.equal(folded[5]!.addedDelayMs, 12.5);
      assert.equal(folded[0]!.addedDelayMs, 0.5);
      assert.ok(folded.every((p) => p.subjectKey === key && p.support === 6));

      assert.deepEqual(await store.linkHistory(key, T0 + 10_000, T0 + 30_000), rows.slice(1, 3), 'a range is [since, until)');
      assert.deepEqual(await store.linkHistory('link:unknown', T0, T0 + DAY_MS), []);
      assert.deepEqual(
        (await store.linkHistory('link:R6->R4', T0, T0 + DAY_MS)).map((r) => r.lossRatio),
        [0.9],
      );

      await assert.rejects(store.insertLinkEstimates([estimate(key, T0 + 5, Number.NaN)]), (err: unknown) => err instanceof StoreError && err.code === 'bad-value' && /lossRatio/.test(err.message));
      await assert.rejects(
        store.insertLinkEstimates([estimate(key, T0 + 5, 0.1, { support: 1.5 })]),
        (err: unknown) => err instanceof StoreError && err.code === 'bad-value' && /support/.test(err.message),
      );
    });

    it("answers every route's rounds (paths and walks) in a range for replay", async () => {
      const { store } = await fresh();
      await store.upsertPaths([pathRecord('rp')]);
      await store.upsertWalks([walk('wr')]);
      await store.insertResults([round('rp', T0), round('wr', T0, 2, 7), round('rp', T0 + 10_000), round('wr', T0 + 10_000), round('rp', T0 + 20_000)]);
      const got = await store.routeResults(T0, T0 + 20_000);
      assert.deepEqual(
        got.map((r) => [r.pathId, r.roundAtMs]),
        [
          ['rp', T0],
          ['wr', T0],
          ['rp', T0 + 10_000],
          ['wr', T0 + 10_000],
        ],
      );
      assert.deepEqual(got[1], round('wr', T0, 2, 7));
    });

    it('retention: walks are not rolled up, estimates go after 7 days, resolved incidents 30 days after resolution', async () => {
      const { store } = await fresh();
      await store.upsertPaths([pathRecord('keep-path')]);
      await store.upsertWalks([walk('w-keep'), walk('w-gone', { goneAtMs: T0 + HOUR_MS })]);
      await store.insertResults([...rounds('keep-path', T0, T0 + 2 * HOUR_MS, MINUTE_MS), ...rounds('w-keep', T0, T0 + 2 * HOUR_MS, MINUTE_MS)]);
      await store.applyRetention(T0 + 3 * HOUR_MS);
      const { rows } = await rawClient(store).query<{ path_id: string }>('SELECT DISTINCT path_id FROM rollups ORDER BY path_id');
      assert.deepEqual(
        rows.map((r) => r.path_id),
        ['keep-path'],
        'only user paths are rolled up',
      );
      assert.equal((await store.routeResults(T0, T0 + 2 * HOUR_MS)).filter((r) => r.pathId === 'w-keep').length, 120, 'raw walk rounds stay while raw rounds do');

      await store.insertLinkEstimates([estimate('link:x', T0, 0.5), estimate('link:x', T0 + 8 * DAY_MS, 0.6)]);
      const inc = (id: string, key: string, resolvedAtMs: number | null): IncidentChange => {
        const incident = linkIncident(id, key, T0);
        return resolvedAtMs === null
          ? { change: 'opened', incident, previous: null, reason: 'r' }
          : { change: 'resolved', incident: { ...incident, state: 'resolved', resolvedAtMs, updatedAtMs: resolvedAtMs }, previous: incident, reason: 'r' };
      };
      await store.recordIncidentChange(inc('old', 'link:o', null));
      await store.recordIncidentChange(inc('old', 'link:o', T0 + HOUR_MS));
      await store.recordIncidentChange(inc('recent', 'link:r', T0 + 20 * DAY_MS));
      await store.recordIncidentChange(inc('open', 'link:p', null));

      await store.applyRetention(T0 + 8 * DAY_MS + HOUR_MS);
      assert.deepEqual(
        (await store.linkHistory('link:x', T0, T0 + 9 * DAY_MS)).map((r) => r.lossRatio),
        [0.6],
        'estimates older than 7 days are gone',
      );
      assert.ok(await store.incident('old'), 'a resolved incident stays 30 days');

      await store.applyRetention(T0 + 31 * DAY_MS + 2 * HOUR_MS);
      assert.equal(await store.incident('old'), null);
      assert.deepEqual(await store.incidentChanges('old'), [], 'its changes go with it');
      assert.ok(await store.incident('recent'));
      assert.deepEqual(
        (await store.openIncidents()).map((i) => i.id),
        ['open'],
        'an open incident stays whatever its age',
      );
      assert.deepEqual(
        (await store.walks()).map((w) => w.id),
        ['w-keep'],
        'a walk gone past retention is forgotten',
      );
    });
  });
}
