/**
 * Upgrading a database made by the pathmon before incidents (schema version 2) on both backends: the
 * path ticket that was open is still found under its incident subject `path:<id>` (so its path
 * incident notes and resolves it instead of opening a second), resolved tickets and notifications are
 * rewritten the same way, and the one-open-ticket rule now holds per subject.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestSchemaVersion, openStore, StoreError, type SqlStore } from '../../../src/store/index.js';
import { migrate, migrations } from '../../../src/store/migrations.js';
import { openPgClient } from '../../../src/store/pg-client.js';
import { openPgliteClient } from '../../../src/store/pglite-client.js';
import type { SqlClient } from '../../../src/store/sql-client.js';
import { dropSchema, pgSkipReason, testPgUrl, uniqueSchemaName } from '../../helpers/test-postgres.js';
import { T0 } from './store-fixtures.js';

interface Version2Db {
  /** A client on the database at schema version 2. */
  client: SqlClient;
  /** Opens the store (which migrates) after the client is closed. */
  reopen(): Promise<SqlStore>;
  dispose(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

const pgliteAtVersion2 = async (): Promise<Version2Db> => {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-migrate-'));
  const client = await openPgliteClient(dir, 'pathmon');
  await migrate(client, `pglite:${dir}`, migrations.slice(0, 2));
  return {
    client,
    reopen: () => openStore(`pglite:${dir}`, { schema: 'pathmon' }),
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const serverAtVersion2 = async (): Promise<Version2Db> => {
  const schema = uniqueSchemaName('pmmig');
  const client = await openPgClient(testPgUrl, schema, { connectTimeoutMs: 3000, queryTimeoutMs: 10_000, maxConnections: 2 });
  await migrate(client, testPgUrl, migrations.slice(0, 2));
  return {
    client,
    reopen: () => openStore(testPgUrl, { schema }),
    dispose: () => dropSchema(schema),
  };
};

const backends: Array<{ name: string; skip: string | false; make: () => Promise<Version2Db> }> = [
  { name: 'PGlite', skip: false, make: pgliteAtVersion2 },
  { name: 'PostgreSQL server', skip: await pgSkipReason(), make: serverAtVersion2 },
];

for (const backend of backends) {
  describe(`migration 3 on ${backend.name}`, { skip: backend.skip }, () => {
    it('keeps a version-2 path ticket findable as subject path:<id>, and notifications as path subjects', async () => {
      const db = await backend.make();
      cleanups.push(() => db.dispose());
      const { rows: before } = await db.client.query<{ v: unknown }>('SELECT max(version) AS v FROM schema_migrations');
      assert.equal(Number(before[0]!.v), 2);
      await db.client.query(`INSERT INTO tickets (ticket_id, path_id, opened_at_ms, last_state, resolved_at_ms) VALUES
        (41, 'abc123', ${T0}, 'DOWN', NULL), (40, 'abc123', ${T0 - 1000}, 'UP', ${T0 - 500}), (42, 'def456', ${T0}, 'DEGRADED', NULL)`);
      await db.client.query(`INSERT INTO notifications (at_ms, channel, path_ids, status, detail) VALUES
        (${T0}, 'email', '["abc123","def456"]', 'sent', 'm1'), (${T0 + 1}, 'freshdesk', '[]', 'failed', 'x')`);
      await db.client.close();

      const store = await db.reopen();
      try {
        assert.equal(store.schemaVersion, latestSchemaVersion);
        assert.deepEqual(await store.openTicket('path:abc123'), { subjectKey: 'path:abc123', incidentId: `path:abc123:${T0}`, ticketId: 41, openedAtMs: T0, lastState: 'DOWN', resolvedAtMs: null });
        assert.equal(await store.openTicket('abc123'), null, 'the bare path id is no subject');
        assert.deepEqual(
          (await store.openTickets()).map((t) => [t.subjectKey, t.ticketId]),
          [
            ['path:abc123', 41],
            ['path:def456', 42],
          ],
        );
        assert.deepEqual(
          (await store.notifications(0)).map((n) => n.subjectKeys),
          [['path:abc123', 'path:def456'], []],
        );

        // The rule moved with the column: still one open ticket per subject.
        await assert.rejects(
          store.saveTicket({ subjectKey: 'path:abc123', incidentId: 'path:abc123:9', ticketId: 43, openedAtMs: T0 + 9, lastState: 'down', resolvedAtMs: null }),
          (err: unknown) => err instanceof StoreError && err.code === 'duplicate-open-ticket',
        );
        // The path incident resolves the old ticket through the new shape.
        await store.saveTicket({ subjectKey: 'path:abc123', incidentId: `path:abc123:${T0}`, ticketId: 41, openedAtMs: T0, lastState: 'down', resolvedAtMs: T0 + 60_000 });
        assert.equal(await store.openTicket('path:abc123'), null);

        // The report still shows a path's open ticket.
        await store.upsertPaths([
          { id: 'def456', group: 'a->b', fromNode: 'a', toNode: 'b', names: ['a', 'b'], hops: ['10.0.0.1'], hopNames: ['b'], linkKeys: ['a>b'], firstSeenMs: T0, goneAtMs: null },
        ]);
        const [summary] = await store.summaries(T0, T0 + 60_000);
        assert.equal(summary?.openTicketId, 42);
      } finally {
        await store.close();
      }
    });
  });
}
