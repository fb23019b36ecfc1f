/**
 * The notification outbox on both backends (embedded PGlite and the PostgreSQL server): rows written in
 * the incident change's own transaction (a change refused by the one-open-incident rule leaves no row),
 * the per-subject ordering rule of pendingOutbox (a subject's head in backoff holds back that subject
 * only), results stored once, bad input refused with the value named, the closed-by-person mark on
 * tickets, and migration 4 on a database at schema version 3.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncidentChange } from '../../../src/incidents/incident.js';
import { latestSchemaVersion, openStore, StoreError, type SqlStore } from '../../../src/store/index.js';
import { migrate, migrations } from '../../../src/store/migrations.js';
import { openPgClient } from '../../../src/store/pg-client.js';
import { openPgliteClient } from '../../../src/store/pglite-client.js';
import type { SqlClient } from '../../../src/store/sql-client.js';
import { dropSchema, pgSkipReason, testPgUrl, uniqueSchemaName } from '../../helpers/test-postgres.js';
import { backends, type OpenedStore } from './backends.js';
import { T0, linkIncident } from './store-fixtures.js';

const opened = (id: string, subjectKey: string, atMs: number): IncidentChange => ({ change: 'opened', incident: linkIncident(id, subjectKey, atMs), previous: null, reason: 'loss for 3 rounds' });

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

for (const backend of await backends()) {
  describe(`notification outbox on ${backend.name}`, { skip: backend.skip }, () => {
    const fresh = async (): Promise<OpenedStore> => {
      const o = await backend.open();
      cleanups.push(() => o.dispose());
      return o;
    };

    it('writes one row per channel with the change, in its transaction; a refused change leaves none', async () => {
      const { store } = await fresh();
      const a = opened('inc-a', 'link:A>B', T0);
      await store.recordIncidentChange(a, { channels: ['freshdesk', 'email'], atMs: T0 + 5 });
      const rows = await store.outboxItems({});
      assert.deepEqual(
        rows.map((r) => [r.channel, r.subjectKey, r.incidentId, r.state, r.attempts, r.createdAtMs, r.nextAttemptAtMs]),
        [
          ['freshdesk', 'link:A>B', 'inc-a', 'pending', 0, T0 + 5, T0 + 5],
          ['email', 'link:A>B', 'inc-a', 'pending', 0, T0 + 5, T0 + 5],
        ],
      );
      assert.deepEqual(rows[0]!.change, a, 'the change is kept whole');

      // A second open incident on the subject is refused by the database: neither it nor its notifications are stored.
      await assert.rejects(
        store.recordIncidentChange(opened('inc-a2', 'link:A>B', T0 + 10), { channels: ['freshdesk'], atMs: T0 + 10 }),
        (err: unknown) => err instanceof StoreError && err.code === 'duplicate-open-incident',
      );
      assert.equal((await store.outboxItems({})).length, 2);
      assert.equal(await store.incident('inc-a2'), null);

      // Without `outbox`, as before: the change only.
      await store.recordIncidentChange(opened('inc-b', 'link:C>D', T0));
      assert.equal((await store.outboxItems({ incidentId: 'inc-b' })).length, 0);
    });

    it('pendingOutbox: oldest first; a subject whose head is in backoff waits whole, others do not', async () => {
      const { store } = await fresh();
      await store.recordIncidentChange(opened('inc-x', 'link:X', T0), { channels: ['freshdesk'], atMs: T0 });
      await store.recordIncidentChange(opened('inc-y', 'link:Y', T0), { channels: ['freshdesk'], atMs: T0 });
      await store.recordIncidentChange({ ...opened('inc-x', 'link:X', T0), change: 'updated' }, { channels: ['freshdesk'], atMs: T0 + 1 });
      const [x1, y1, x2] = await store.outboxItems({});
      assert.deepEqual(
        (await store.pendingOutbox(T0 + 1, 10)).map((r) => r.id),
        [x1!.id, y1!.id, x2!.id],
      );
      assert.deepEqual(
        (await store.pendingOutbox(T0 + 1, 2)).map((r) => r.id),
        [x1!.id, y1!.id],
        'at most limit',
      );

      assert.equal(await store.markOutbox(x1!.id, { state: 'pending', atMs: T0 + 2, error: 'freshdesk answered 500', nextAttemptAtMs: T0 + 60_000 }), true);
      assert.deepEqual(
        (await store.pendingOutbox(T0 + 3, 10)).map((r) => r.id),
        [y1!.id],
        'X waits behind its head, Y goes',
      );
      assert.deepEqual(
        (await store.pendingOutbox(T0 + 60_000, 10)).map((r) => r.id),
        [x1!.id, y1!.id, x2!.id],
      );
      const [x1After] = await store.outboxItems({ incidentId: 'inc-x' });
      assert.deepEqual([x1After!.attempts, x1After!.lastError, x1After!.state], [1, 'freshdesk answered 500', 'pending']);

      assert.equal(await store.markOutbox(x1!.id, { state: 'delivered', atMs: T0 + 60_001, detail: 'ticket 7 opened' }), true);
      assert.equal(await store.markOutbox(x1!.id, { state: 'failed', atMs: T0 + 60_002, error: 'late' }), false, 'a finished row stays finished');
      assert.equal(await store.markOutbox(y1!.id, { state: 'superseded', atMs: T0 + 60_003, detail: 'incident over' }), true);
      const all = await store.outboxItems({});
      assert.deepEqual(
        all.map((r) => [r.state, r.attempts, r.deliveredAtMs, r.detail]),
        [
          ['delivered', 2, T0 + 60_001, 'ticket 7 opened'],
          ['superseded', 1, null, 'incident over'],
          ['pending', 0, null, null],
        ],
      );
      assert.deepEqual(
        (await store.pendingOutbox(T0 + 60_004, 10)).map((r) => r.id),
        [x2!.id],
      );
      assert.deepEqual(
        (await store.outboxItems({ state: 'pending', channel: 'freshdesk' })).map((r) => r.id),
        [x2!.id],
      );
    });

    it('enqueueOutbox keeps the given order; bad entries and arguments are refused naming the value', async () => {
      const { store } = await fresh();
      await store.enqueueOutbox([
        { channel: 'freshdesk', change: opened('inc-1', 'path:p1', T0), atMs: T0 },
        { channel: 'freshdesk', change: opened('inc-2', 'path:p2', T0), atMs: T0 },
      ]);
      assert.deepEqual(
        (await store.outboxItems({})).map((r) => r.incidentId),
        ['inc-1', 'inc-2'],
      );
      await assert.rejects(
        store.enqueueOutbox([{ channel: 'pager' as never, change: opened('inc-3', 'path:p3', T0), atMs: T0 }]),
        (err: unknown) => err instanceof StoreError && err.code === 'bad-value' && /"pager"/.test(err.message) && /email, freshdesk/.test(err.message),
      );
      await assert.rejects(
        store.recordIncidentChange(opened('inc-4', 'path:p4', T0), { channels: ['freshdesk'], atMs: Number.NaN }),
        (err: unknown) => err instanceof StoreError && err.code === 'bad-value' && /atMs NaN/.test(err.message),
      );
      assert.equal(await store.incident('inc-4'), null, 'refused before anything was written');
      await assert.rejects(store.pendingOutbox(T0, 0), (err: unknown) => err instanceof StoreError && err.code === 'bad-value' && /limit 0/.test(err.message));
    });

    it('remembers a ticket closed by a person; lastTicket prefers the open one, else the newest', async () => {
      const { store } = await fresh();
      await store.saveTicket({ subjectKey: 'link:K', incidentId: 'i1', ticketId: 11, openedAtMs: T0, lastState: 'down', resolvedAtMs: T0 + 5, closedByPerson: true });
      assert.deepEqual(await store.lastTicket('link:K'), { subjectKey: 'link:K', incidentId: 'i1', ticketId: 11, openedAtMs: T0, lastState: 'down', resolvedAtMs: T0 + 5, closedByPerson: true });
      await store.saveTicket({ subjectKey: 'link:K', incidentId: 'i2', ticketId: 12, openedAtMs: T0 + 10, lastState: 'loss', resolvedAtMs: null });
      assert.deepEqual(
        await store.lastTicket('link:K'),
        { subjectKey: 'link:K', incidentId: 'i2', ticketId: 12, openedAtMs: T0 + 10, lastState: 'loss', resolvedAtMs: null },
        'no closedByPerson on tickets pathmon keeps',
      );
      assert.equal(await store.lastTicket('link:none'), null);
    });
  });
}

interface Version3Db {
  client: SqlClient;
  reopen(): Promise<SqlStore>;
  dispose(): Promise<void>;
}

const pgliteAtVersion3 = async (): Promise<Version3Db> => {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-migrate4-'));
  const client = await openPgliteClient(dir, 'pathmon');
  await migrate(client, `pglite:${dir}`, migrations.slice(0, 3));
  return {
    client,
    reopen: () => openStore(`pglite:${dir}`, { schema: 'pathmon' }),
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const serverAtVersion3 = async (): Promise<Version3Db> => {
  const schema = uniqueSchemaName('pmmig4');
  const client = await openPgClient(testPgUrl, schema, { connectTimeoutMs: 3000, queryTimeoutMs: 10_000, maxConnections: 2 });
  await migrate(client, testPgUrl, migrations.slice(0, 3));
  return { client, reopen: () => openStore(testPgUrl, { schema }), dispose: () => dropSchema(schema) };
};

for (const backend of [
  { name: 'PGlite', skip: false as string | false, make: pgliteAtVersion3 },
  { name: 'PostgreSQL server', skip: await pgSkipReason(), make: serverAtVersion3 },
]) {
  describe(`migration 4 on ${backend.name}`, { skip: backend.skip }, () => {
    it('adds the outbox and the closed-by-person mark to a version-3 database, keeping its tickets and open incidents', async () => {
      const db = await backend.make();
      cleanups.push(() => db.dispose());
      const { rows: before } = await db.client.query<{ v: unknown }>('SELECT max(version) AS v FROM schema_migrations');
      assert.equal(Number(before[0]!.v), 3);
      await db.client.query(`INSERT INTO tickets (ticket_id, subject_key, incident_id, opened_at_ms, last_state, resolved_at_ms) VALUES
        (41, 'link:R4->R6', 'inc-open', ${T0}, 'down', NULL), (40, 'link:R4->R6', 'inc-old', ${T0 - 1000}, 'loss', ${T0 - 500})`);
      const incident = linkIncident('inc-open', 'link:R4->R6', T0);
      await db.client.query(`INSERT INTO incidents (id, subject_key, kind, state, opened_at_ms, updated_at_ms, resolved_at_ms, record) VALUES ($1, $2, 'loss', 'open', $3, $3, NULL, $4::jsonb)`, [
        incident.id,
        incident.subjectKey,
        T0,
        JSON.stringify(incident),
      ]);
      await db.client.close();

      const store = await db.reopen();
      try {
        assert.ok(store.schemaVersion >= 4);
        assert.equal(store.schemaVersion, latestSchemaVersion);
        assert.deepEqual(await store.openTicket('link:R4->R6'), { subjectKey: 'link:R4->R6', incidentId: 'inc-open', ticketId: 41, openedAtMs: T0, lastState: 'down', resolvedAtMs: null });
        assert.deepEqual(
          (await store.openIncidents()).map((i) => i.id),
          ['inc-open'],
        );
        assert.deepEqual(await store.outboxItems({}), [], 'an empty outbox');

        const resolved: IncidentChange = { change: 'resolved', incident: { ...incident, state: 'resolved', resolvedAtMs: T0 + 60_000 }, previous: incident, reason: 'healthy' };
        await store.recordIncidentChange(resolved, { channels: ['freshdesk', 'email'], atMs: T0 + 60_000 });
        assert.deepEqual(
          (await store.pendingOutbox(T0 + 60_000, 10)).map((r) => [r.channel, r.change.change]),
          [
            ['freshdesk', 'resolved'],
            ['email', 'resolved'],
          ],
        );
        await store.saveTicket({ subjectKey: 'link:R4->R6', incidentId: 'inc-open', ticketId: 41, openedAtMs: T0, lastState: 'down', resolvedAtMs: T0 + 60_000, closedByPerson: true });
        assert.equal((await store.lastTicket('link:R4->R6'))?.closedByPerson, true);
      } finally {
        await store.close();
      }
    });
  });
}
