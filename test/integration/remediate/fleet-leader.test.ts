/**
 * Remediation in a fleet, on the real PostgreSQL server: two agents' engines on one schema, each with
 * its own connection, as two pathmon processes would be. Only the leader acts. Events stored by the
 * follower's receiver are handled by the leader, each once; the follower runs nothing. Then the lead
 * moves: the new leader runs the runs the old one left queued, each once, and carries the old leader's
 * open isolation through restore and verification. And while both think they lead (a hand-over), the
 * stored events are claimed by one or the other, never both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertRuns } from '../../../src/remediate/action-run-queries.js';
import { isolations } from '../../../src/remediate/isolation-queries.js';
import { remediationConfigSchema } from '../../../src/remediate/remediation-config-schema.js';
import { startRemediation, type Remediation } from '../../../src/remediate/start-remediation.js';
import { FreshdeskClient } from '../../../src/notify/freshdesk-client.js';
import { Secret } from '../../../src/secrets/secret.js';
import { openStore, type SqlStore } from '../../../src/store/index.js';
import { insertEvents } from '../../../src/syslog/event-queries.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { openTestPgStore, pgSkipReason, testPgUrl, type TestPgStore } from '../../helpers/test-postgres.js';
import { labGraph, opened, r46Incident, syslogEvent, until, freshdeskSettings } from './remediate-fixtures.js';

const skip = await pgSkipReason();
const work = mkdtempSync(join(tmpdir(), 'pathmon-fleet-remediate-'));
const ranLog = join(work, 'ran.log');
const commandLog = join(work, 'commands.log');
const lines = (file: string) => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};
const graph = labGraph();
const config = remediationConfigSchema.parse({
  workers: 4,
  rules: [
    { name: 'run', match: { errorCode: 'RUN-*' }, actions: [{ type: 'command', argv: ['/bin/sh', '-c', `echo "$PATHMON_EVENT_EVENT_ID" >> ${ranLog}`] }] },
    {
      name: 'isolate-down-links',
      match: { incident: { kind: ['down'], link: '*' } },
      isolate: {
        isolate: { argv: ['/bin/sh', '-c', `echo "isolate $1" >> ${commandLog}`, 'isolate', '{link}'] },
        restore: { argv: ['/bin/sh', '-c', `echo "restore $1" >> ${commandLog}`, 'restore', '{link}'] },
        ticket: { subject: 'Link {link} isolated' },
        pollIntervalMs: 200,
        verifyTimeoutMs: 30_000,
      },
    },
  ],
});

let pg: TestPgStore;
let otherStore: SqlStore;
let fd: FakeFreshdesk;
const leading = { a: true, b: false };
let a: Remediation;
let b: Remediation;

function start(store: SqlStore, leads: () => boolean): Promise<Remediation> {
  return startRemediation({
    config,
    notifiers: {
      freshdesk: freshdeskSettings(fd.baseUrl),
    },
    freshdesk: new FreshdeskClient({ baseUrl: fd.baseUrl, apiKey: new Secret('k', 'test'), timeoutMs: 5000, maxRetries: 0, maxRetryAfterMs: 0 }),
    client: store.sqlClient,
    graph: () => graph,
    openIncidents: () => [],
    linkHealthy: () => true,
    leads,
    eventPollMs: 50,
    idlePollMs: 50,
    isolationTiming: { tickMs: 50, verifyCheckMs: 50, retryMs: 200 },
  });
}

/** Stores events as an agent's receiver does (status NEW); returns their ids. */
async function receive(store: SqlStore, n: number): Promise<number[]> {
  return insertEvents(
    store.sqlClient,
    Array.from({ length: n }, () => syslogEvent({ id: 0, errorCode: 'RUN-1-X', receivedAtMs: Date.now() })),
  );
}

async function runsPerEvent(): Promise<Map<number, number>> {
  const { rows } = await pg.store.sqlClient.query<{ event_id: unknown; n: unknown }>(`SELECT event_id, count(*) AS n FROM action_runs WHERE rule = 'run' GROUP BY event_id`);
  return new Map(rows.map((r) => [Number(r.event_id), Number(r.n)]));
}

/** No event left NEW and no `run` rule's run left to do (the incident's gathering note waits for a ticket that never comes). */
async function allFinished(): Promise<boolean> {
  const { rows } = await pg.store.sqlClient.query<{ n: unknown }>(
    `SELECT (SELECT count(*) FROM syslog_events WHERE status = 'NEW') + (SELECT count(*) FROM action_runs WHERE state IN ('QUEUED', 'RUNNING') AND rule = 'run') AS n`,
  );
  return Number(rows[0]!.n) === 0;
}

describe('remediation in a fleet (PostgreSQL)', { skip }, () => {
  before(async () => {
    pg = await openTestPgStore();
    otherStore = await openStore(testPgUrl, { schema: pg.schema });
    fd = await startFakeFreshdesk({ apiKey: 'k' });
    a = await start(pg.store, () => leading.a);
    b = await start(otherStore, () => leading.b);
  });
  after(async () => {
    await a?.close(1000);
    await b?.close(1000);
    await otherStore?.close().catch(() => undefined);
    await pg?.dispose();
    await fd?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("the leader handles the events the follower's receiver stored, each once; the follower acts on nothing", { timeout: 120_000 }, async () => {
    const ids = await receive(otherStore, 20);
    await until('every event handled and run', allFinished);
    const perEvent = await runsPerEvent();
    assert.deepEqual(
      ids.map((id) => perEvent.get(id)),
      ids.map(() => 1),
    );
    assert.deepEqual(
      lines(ranLog)
        .map(Number)
        .sort((x, y) => x - y),
      ids,
    );
    assert.equal(a.stats().engine.events, 20);
    assert.equal(a.stats().pool.finished.SUCCESS, 20);
    assert.equal(b.stats().engine.events, 0, 'the follower correlated nothing');
    assert.equal(b.stats().pool.maxRunning, 0, 'the follower ran nothing');
  });

  it('the leader starts an isolation; after the hand-over the new leader runs the queued runs once and finishes the isolation', { timeout: 120_000 }, async () => {
    await a.handleIncidentChange(opened(r46Incident('link:R4-R6:fleet')));
    await until('the isolation to wait on its ticket', async () => (await isolations(pg.store.sqlClient))[0]?.state === 'waiting');
    assert.deepEqual(lines(commandLog), ['isolate R4↔R6']);

    // A loses the lead; runs it had queued are still queued when B takes over.
    leading.a = false;
    const fields = (await pg.store.sqlClient.query<{ fields: unknown }>(`SELECT fields FROM action_runs WHERE rule = 'run' LIMIT 1`)).rows[0]!.fields;
    const left = await insertRuns(
      pg.store.sqlClient,
      Array.from({ length: 5 }, (_, i) => ({
        rule: 'run',
        action: { type: 'command' as const, argv: ['/bin/sh', '-c', `echo "left-${i}" >> ${ranLog}`], timeoutMs: 10_000, env: {} },
        fields: (typeof fields === 'string' ? JSON.parse(fields) : fields) as never,
        eventId: null,
        incidentId: null,
        isolationId: null,
        atMs: Date.now(),
      })),
    );
    const ranByA = a.stats().pool.finished.SUCCESS;
    fd.agentSetsStatus(fd.tickets[0]!.id, 4);
    leading.b = true;

    await until('the isolation to close', async () => (await isolations(pg.store.sqlClient))[0]?.state === 'closed', 60_000);
    await until('the runs left queued', allFinished);
    assert.deepEqual(lines(commandLog), ['isolate R4↔R6', 'restore R4↔R6'], 'each isolation command once, across the hand-over');
    assert.deepEqual(
      lines(ranLog)
        .filter((l) => l.startsWith('left-'))
        .sort(),
      left.map((_, i) => `left-${i}`),
      'each queued run once',
    );
    assert.equal(a.stats().pool.finished.SUCCESS, ranByA, 'the old leader ran nothing more');
    assert.ok(b.stats().pool.finished.SUCCESS >= 6, 'the new leader ran the restore and the queued runs');
    assert.equal((await isolations(pg.store.sqlClient))[0]!.outcome, 'healthy');
  });

  it('while both think they lead, each stored event is claimed by one of them only', { timeout: 180_000 }, async () => {
    leading.a = true;
    leading.b = true;
    const ids = await receive(otherStore, 300);
    const [byA, byB] = await Promise.all([a.drainStoredEvents(), b.drainStoredEvents()]);
    await until('every event handled and run', allFinished, 120_000);
    const perEvent = await runsPerEvent();
    assert.deepEqual(
      ids.filter((id) => perEvent.get(id) !== 1),
      [],
      'one run per event',
    );
    const ran = lines(ranLog).filter((l) => !l.startsWith('left-'));
    assert.equal(new Set(ran).size, ran.length, 'no event ran twice');
    assert.equal(ran.length, 320);
    // Both feeds took part (the timers may have taken some before the drains).
    assert.ok(byA + byB <= 300);
    assert.equal(a.stats().engine.events + b.stats().engine.events, 320);
  });
});
