/**
 * Remediation state in the store, across a restart on PGlite: queued runs resume and run once, a run
 * left RUNNING is finished as FAILURE "interrupted by restart" and never run again, de-duplication and
 * throttle windows survive the restart; device events on an open incident's link are attached to it
 * and carried to its ticket in one note (waiting while the ticket does not exist yet).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remediationConfigSchema } from '../../../src/remediate/remediation-config-schema.js';
import { startRemediation, type Remediation, type StartRemediationOptions } from '../../../src/remediate/start-remediation.js';
import { actionRuns, claimRuns, incidentEvents } from '../../../src/remediate/action-run-queries.js';
import { startFakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { FreshdeskClient } from '../../../src/notify/freshdesk-client.js';
import { Secret } from '../../../src/secrets/secret.js';
import { freshDb, labGraph, opened, r46Incident, syslogEvent, until, freshdeskSettings } from './remediate-fixtures.js';
import { insertEvents } from '../../../src/syslog/event-queries.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});
const work = mkdtempSync(join(tmpdir(), 'pathmon-remediate-store-'));
cleanups.push(() => rmSync(work, { recursive: true, force: true }));

const graph = labGraph();
const start = async (client: StartRemediationOptions['client'], raw: unknown, extra: Partial<StartRemediationOptions> = {}): Promise<Remediation> => {
  const remediation = await startRemediation({
    config: remediationConfigSchema.parse(raw),
    notifiers: {},
    client,
    graph: () => graph,
    openIncidents: () => [],
    idlePollMs: 100,
    ...extra,
  });
  cleanups.push(() => remediation.close(1000));
  return remediation;
};

describe('remediation across a restart', () => {
  it('resumes queued runs once, marks a run left RUNNING as interrupted, and keeps dedup and throttle windows', { timeout: 600_000 }, async () => {
    const db = await freshDb();
    cleanups.push(() => db.dispose());
    const ran = join(work, 'ran.log');
    const config = {
      workers: 2,
      rules: [
        { name: 'run', match: { errorCode: 'RUN-*' }, actions: [{ type: 'command', argv: ['/bin/sh', '-c', `echo "$PATHMON_RUN_ID" >> ${ran}`] }] },
        { name: 'dedup', match: { errorCode: 'DUP-*' }, dedup: { key: '{host}/{errorCode}', windowMs: 3_600_000 }, actions: [{ type: 'command', argv: ['/bin/true'] }] },
        { name: 'throttle', match: { errorCode: 'THR-*' }, throttle: { key: '{host}', max: 2, windowMs: 3_600_000 }, actions: [{ type: 'command', argv: ['/bin/true'] }] },
      ],
    };
    // A pathmon that queues work and stops before running it: the pool is closed at once.
    const first = await start(db.store.sqlClient, config);
    await first.close(0);
    for (let i = 0; i < 3; i += 1) await first.handleEvent(syslogEvent({ errorCode: 'RUN-1-X' }));
    const dups = [];
    for (let i = 0; i < 3; i += 1) dups.push(await first.handleEvent(syslogEvent({ errorCode: 'DUP-1-X', host: 'R4' })));
    assert.deepEqual(
      dups.map((d) => d?.duplicates),
      [0, 1, 1],
    );
    const thr = [];
    for (let i = 0; i < 3; i += 1) thr.push(await first.handleEvent(syslogEvent({ errorCode: 'THR-1-X', host: 'R5' })));
    assert.deepEqual(
      thr.map((t) => t?.throttled),
      [0, 0, 1],
    );
    // One run was taken by a worker when the process died.
    const [inFlight] = await claimRuns(db.store.sqlClient, Date.now(), 1);
    assert.equal(inFlight!.rule, 'run');

    const store = await db.reopen();
    const second = await start(store.sqlClient, config);
    await until('the resumed runs', async () => (await actionRuns(store.sqlClient)).every((r) => r.state !== 'QUEUED' && r.state !== 'RUNNING'));
    const runs = await actionRuns(store.sqlClient, { rule: 'run' });
    const interrupted = runs.find((r) => r.id === inFlight!.id)!;
    assert.equal(interrupted.state, 'FAILURE');
    assert.equal(interrupted.error, 'interrupted by restart');
    const lines = readFileSync(ran, 'utf8')
      .trim()
      .split('\n')
      .map(Number)
      .sort((a, b) => a - b);
    assert.deepEqual(
      lines,
      runs
        .filter((r) => r.id !== inFlight!.id)
        .map((r) => r.id)
        .sort((a, b) => a - b),
      'the other two ran, once each; the interrupted one never',
    );
    assert.equal(second.stats().pool.interrupted, 1);

    assert.equal((await second.handleEvent(syslogEvent({ errorCode: 'DUP-1-X', host: 'R4' })))?.duplicates, 1, 'the dedup window outlived the restart');
    assert.equal((await second.handleEvent(syslogEvent({ errorCode: 'DUP-1-X', host: 'R6' })))?.duplicates, 0, 'another key is not a duplicate');
    assert.equal((await second.handleEvent(syslogEvent({ errorCode: 'THR-1-X', host: 'R5' })))?.throttled, 1, 'the throttle count outlived the restart');
    assert.equal((await actionRuns(store.sqlClient, { rule: 'dedup' })).length, 2);
    assert.equal((await actionRuns(store.sqlClient, { rule: 'throttle' })).length, 2);
  });

  it("attaches events on an open incident's link to it and notes them on its ticket once it exists", { timeout: 600_000 }, async () => {
    const db = await freshDb();
    cleanups.push(() => db.dispose());
    const fd = await startFakeFreshdesk({ apiKey: 'k' });
    cleanups.push(() => fd.close());
    const client = new FreshdeskClient({ baseUrl: fd.baseUrl, apiKey: new Secret('k', 'test'), timeoutMs: 2000, maxRetries: 0, maxRetryAfterMs: 0 });
    const incident = r46Incident();
    const freshdesk = freshdeskSettings(fd.baseUrl);
    const remediation = await start(db.store.sqlClient, { attachNoteDelayMs: 0, rules: [] }, { notifiers: { freshdesk }, freshdesk: client, openIncidents: () => [incident] });
    const outcome = await remediation.handleEvent(syslogEvent({ id: 501 }));
    assert.equal(outcome?.incidentId, incident.id);
    await remediation.handleEvent(syslogEvent({ id: 502, host: 'R6', message: 'AdjChg: Nbr 10.255.0.4(default) on r6r4-R4:10.0.46.1: Full -> Deleted (InactivityTimer)' }));
    await remediation.handleEvent(syslogEvent({ id: 503, host: 'R5', message: 'AdjChg: Nbr 10.255.0.4(default) on x:10.0.45.1: Full -> Deleted' }));
    await remediation.handleEvent(syslogEvent({ id: 501 }));
    const attached = await incidentEvents(db.store.sqlClient, incident.id);
    assert.deepEqual(
      attached.map((e) => [e.eventId, e.linkLabel]),
      [
        [501, 'R4→R6'],
        [502, 'R6→R4'],
      ],
      'R5 is not on the link; a replayed event is attached once',
    );

    // No ticket yet: the note waits rather than failing or being lost.
    await until('the note to wait for the ticket', async () => (await actionRuns(db.store.sqlClient, { rule: '(attach)' }))[0]?.attempts === 1);
    assert.equal(fd.requests.length, 0);
    const ticket = await client.createTicket({ email: 'noc@example.com', subject: 'R4↔R6 down', description: 'x', status: 2, priority: 4, source: 2, tags: [] });
    const store = db.store;
    await store.saveTicket({ subjectKey: incident.subjectKey, incidentId: incident.id, ticketId: ticket.id, openedAtMs: Date.now(), lastState: 'down', resolvedAtMs: null });
    await db.store.sqlClient.query(`UPDATE action_runs SET not_before_ms = 0 WHERE rule = '(attach)' AND state = 'QUEUED'`);
    remediation.pool.kick();
    await until('the note on the ticket', () => (fd.ticket(ticket.id)?.notes.length ?? 0) === 1);
    const note = fd.ticket(ticket.id)!.notes[0]!;
    assert.match(note.body, /R4.*AdjChg.*10\.0\.46\.0/s);
    assert.match(note.body, /R6.*10\.0\.46\.1/s);
    assert.doesNotMatch(note.body, /10\.0\.45\.1/);
    assert.equal(note.private, true);
    assert.ok((await incidentEvents(db.store.sqlClient, incident.id)).every((e) => e.notedRunId !== null));
    assert.equal(existsSync(work), true);
  });

  it("attaches the link's events that arrived before its incident opened, when it opens", { timeout: 600_000 }, async () => {
    const db = await freshDb();
    cleanups.push(() => db.dispose());
    let open: ReturnType<typeof r46Incident>[] = [];
    const remediation = await start(db.store.sqlClient, { attachNoteDelayMs: 0, rules: [] }, { openIncidents: () => open });
    // The routers speak first: stored, placed on R4-R6, attached to nothing (no incident is open yet).
    const [early] = await insertEvents(db.store.sqlClient, [syslogEvent({ id: 0, receivedAtMs: Date.now() })]);
    const [elsewhere] = await insertEvents(db.store.sqlClient, [
      syslogEvent({ id: 0, host: 'R5', message: 'AdjChg: Nbr 10.255.0.4(default) on x:10.0.45.1: Full -> Deleted', receivedAtMs: Date.now() }),
    ]);
    const first = await remediation.handleEvent(syslogEvent({ id: early!, receivedAtMs: Date.now() }));
    assert.equal(first?.incidentId, null, 'no incident to attach to yet');
    await remediation.handleEvent(syslogEvent({ id: elsewhere!, host: 'R5', message: 'AdjChg: Nbr 10.255.0.4(default) on x:10.0.45.1: Full -> Deleted', receivedAtMs: Date.now() }));
    // Then the probes open the incident.
    const incident = r46Incident('link:R4-R6:late', { openedAtMs: Date.now() });
    open = [incident];
    await remediation.handleIncidentChange(opened(incident));
    const attached = await incidentEvents(db.store.sqlClient, incident.id);
    assert.deepEqual(
      attached.map((e) => e.eventId),
      [early],
      'the earlier event on R4-R6 is attached; the one on R4-R5 is not',
    );
    const { rows } = await db.store.sqlClient.query<{ id: unknown; incident_id: string | null }>('SELECT id, incident_id FROM syslog_events ORDER BY id');
    assert.deepEqual(
      rows.map((r) => [Number(r.id), r.incident_id]),
      [
        [early, incident.id],
        [elsewhere, null],
      ],
    );
  });
});
