/**
 * The `threshold` trigger: N device events matching a rule on one physical link within W ms start the
 * link isolation workflow for that link. Counted per link (both ends' reports count for the same link;
 * another link has its own count), by the events' receive times on a fake clock, kept in the store so
 * a restart counts on, started over once it fires. Config mistakes name the key and what was expected.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { remediationConfigSchema } from '../../../src/remediate/remediation-config-schema.js';
import { startRemediation, type Remediation } from '../../../src/remediate/start-remediation.js';
import { isolations } from '../../../src/remediate/isolation-queries.js';
import { linkCounts, slideWindow } from '../../../src/remediate/link-event-counts.js';
import { actionRuns } from '../../../src/remediate/action-run-queries.js';
import type { SqlClient } from '../../../src/store/sql-client.js';
import type { FreshdeskCalls } from '../../../src/remediate/ticket-actions.js';
import { K45, K46, K54, K64, freshDb, labGraph, syslogEvent } from '../../integration/remediate/remediate-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const graph = labGraph();
const rule = {
  name: 'crc-isolate',
  match: { errorCode: 'IF-3-CRC*' },
  threshold: { count: 3, withinMs: 60_000 },
  isolate: {
    isolate: { argv: ['/bin/true', '{link}'] },
    restore: { argv: ['/bin/true'] },
    ticket: { subject: 'Link {link} isolated after CRC errors' },
  },
};
const config = remediationConfigSchema.parse({ rules: [rule] });

/** An engine whose pool and isolation workflow never run on their own: only counting is under test. */
async function start(client: SqlClient, clock: { now: number }): Promise<Remediation> {
  const remediation = await startRemediation({
    config,
    // Isolation tickets need Freshdesk configured; nothing reaches it here (the workflow never steps).
    notifiers: {
      freshdesk: {
        apiKey: { env: 'UNUSED' },
        baseUrl: 'http://127.0.0.1:9',
        requesterEmail: 'noc@example.com',
        tags: [],
        priority: { DEGRADED: 2, DOWN: 4 },
        source: 2,
        privateNotes: true,
        timeoutMs: 2000,
        maxRetries: 0,
        maxRetryAfterMs: 0,
        concurrency: 1,
      },
    },
    freshdesk: {} as FreshdeskCalls,
    client,
    graph: () => graph,
    openIncidents: () => [],
    linkHealthy: () => true,
    nowMs: () => clock.now,
    // A follower in a fleet: nothing is claimed or stepped, what the engine queued stays as queued.
    leads: () => false,
    eventPollMs: 3_600_000,
  });
  cleanups.push(() => remediation.close(0));
  return remediation;
}

/** A CRC error reported by R4 about its link to R6 (or R6 about R4, or R4 about R5). */
function crc(atMs: number, from: 'R4-R6' | 'R6-R4' | 'R4-R5' = 'R4-R6') {
  const [host, address] = from === 'R4-R6' ? ['R4', '10.0.46.0'] : from === 'R6-R4' ? ['R6', '10.0.46.1'] : ['R4', '10.0.45.0'];
  return syslogEvent({ host, errorCode: 'IF-3-CRCERR', message: `CRC errors on ${address} rising`, receivedAtMs: atMs });
}

describe('slideWindow', () => {
  it('keeps the times within the window of the newest, oldest first, at most `keep`', () => {
    assert.deepEqual(slideWindow([], T0, 60_000, 3), [T0]);
    assert.deepEqual(slideWindow([T0 - 60_000, T0 - 59_999], T0, 60_000, 3), [T0 - 59_999, T0]);
    assert.deepEqual(slideWindow([T0 - 3, T0 - 2, T0 - 1], T0, 60_000, 3), [T0 - 2, T0 - 1, T0]);
    // A late report of an older event still counts against the newest.
    assert.deepEqual(slideWindow([T0], T0 - 10, 60_000, 3), [T0 - 10, T0]);
  });
});

describe('threshold config', () => {
  const problem = (raw: unknown) => {
    const parsed = remediationConfigSchema.safeParse(raw);
    assert.equal(parsed.success, false);
    return parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
  };
  it('refuses a threshold that is not { count, withinMs } with sane numbers, naming the key', () => {
    assert.match(problem({ rules: [{ ...rule, threshold: { count: 0, withinMs: 1000 } }] }), /rules\.0\.threshold\.count: expected at least 1 event/);
    assert.match(problem({ rules: [{ ...rule, threshold: { count: 2.5, withinMs: 1000 } }] }), /rules\.0\.threshold\.count: expected a whole number/);
    assert.match(problem({ rules: [{ ...rule, threshold: { count: 3, withinMs: 10 * 86_400_000 } }] }), /rules\.0\.threshold\.withinMs: expected at most 7 days/);
    assert.match(problem({ rules: [{ ...rule, threshold: { count: 3 } }] }), /rules\.0\.threshold\.withinMs/);
    assert.match(problem({ rules: [{ ...rule, threshold: { count: 3, withinMs: 1000, per: 'node' } }] }), /rules\.0\.threshold/);
  });
  it('refuses a threshold on incidents, and isolate on events without a threshold', () => {
    assert.match(problem({ rules: [{ ...rule, match: { incident: { link: '*' } } }] }), /rules\.0\.threshold: .*threshold counts device events per link; expected match to hold event fields/);
    const { threshold: _t, ...noThreshold } = rule;
    assert.match(problem({ rules: [noThreshold] }), /rules\.0\.isolate: .*or event fields with threshold: \{ count, withinMs \}/);
  });
});

describe('threshold of device events on a link', () => {
  it('isolates the link on the Nth event within the window, counting both ends, per link, across a restart', async () => {
    const db = await freshDb();
    cleanups.push(() => db.dispose());
    const clock = { now: T0 };
    let remediation = await start(db.store.sqlClient, clock);

    // Two events on R4–R6 a minute apart and more: the first falls out of the window, no isolation.
    assert.equal((await remediation.handleEvent(crc(T0)))?.isolations, 0);
    clock.now = T0 + 61_000;
    assert.equal((await remediation.handleEvent(crc(clock.now)))?.isolations, 0);
    // Another link's errors have their own count.
    clock.now = T0 + 62_000;
    assert.equal((await remediation.handleEvent(crc(clock.now, 'R4-R5')))?.isolations, 0);
    assert.equal((await isolations(db.store.sqlClient)).length, 0);
    const counts = await linkCounts(db.store.sqlClient);
    assert.deepEqual(
      counts.map((c) => [c.subjectKey, c.timesMs.length]),
      [
        [`link:${[K45, K54].sort().join(',')}`, 1],
        [`link:${[K46, K64].sort().join(',')}`, 1],
      ],
    );

    // A restart: the count is in the store.
    await remediation.close(0);
    const store = await db.reopen();
    remediation = await start(store.sqlClient, clock);

    // R6 speaks of the same link: the second in the window; the third (from R4) isolates it.
    clock.now = T0 + 70_000;
    assert.equal((await remediation.handleEvent(crc(clock.now, 'R6-R4')))?.isolations, 0);
    clock.now = T0 + 80_000;
    const third = await remediation.handleEvent(crc(clock.now));
    assert.equal(third?.isolations, 1);
    const [isolation] = await isolations(store.sqlClient);
    assert.equal(isolation!.rule, 'crc-isolate');
    assert.equal(isolation!.state, 'isolating');
    assert.equal(isolation!.label, 'R4↔R6');
    assert.deepEqual(isolation!.linkKeys, [K46, K64].sort());
    assert.match(isolation!.fields.reason, /3 event\(s\) matching rule crc-isolate on R4↔R6 within 60000 ms/);
    const runs = await actionRuns(store.sqlClient);
    assert.deepEqual(
      runs.map((r) => [r.isolationId, r.state, r.action.type === 'command' ? r.action.argv : null]),
      [[isolation!.id, 'QUEUED', ['/bin/true', 'R4→R6']]],
    );

    // The count started over, and while the link is being isolated more errors start nothing new.
    for (let i = 1; i <= 3; i += 1) {
      clock.now = T0 + 80_000 + i * 1000;
      assert.equal((await remediation.handleEvent(crc(clock.now)))?.isolations, 0);
    }
    assert.equal((await isolations(store.sqlClient)).length, 1);
  });

  it('does not count events it cannot place on a link', async () => {
    const db = await freshDb();
    cleanups.push(() => db.dispose());
    const clock = { now: T0 };
    const remediation = await start(db.store.sqlClient, clock);
    for (let i = 0; i < 5; i += 1) {
      const outcome = await remediation.handleEvent(syslogEvent({ host: 'R4', errorCode: 'IF-3-CRCERR', message: 'CRC errors somewhere', receivedAtMs: T0 + i }));
      assert.deepEqual([outcome?.linkKey, outcome?.isolations, outcome?.rules], [null, 0, ['crc-isolate']]);
    }
    assert.deepEqual(await linkCounts(db.store.sqlClient), []);
    assert.equal((await isolations(db.store.sqlClient)).length, 0);
  });
});
