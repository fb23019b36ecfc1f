/**
 * The link isolation workflow against a fake Freshdesk on PGlite: an incident on a link runs the
 * isolate command once (a later change of the same incident does not run it again), tickets the
 * data-center team with the evidence, polls the ticket, survives a restart while waiting, and when the
 * ticket is resolved runs the restore command once, waits for the probes to show the link healthy,
 * notes the outcome and closes the ticket. A restore after which the link stays bad reopens the ticket.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remediationConfigSchema } from '../../../src/remediate/remediation-config-schema.js';
import { startRemediation, type Remediation } from '../../../src/remediate/start-remediation.js';
import { isolations } from '../../../src/remediate/isolation-queries.js';
import type { SqlClient } from '../../../src/store/sql-client.js';
import { FreshdeskClient } from '../../../src/notify/freshdesk-client.js';
import { Secret } from '../../../src/secrets/secret.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { K46, K64, freshDb, labGraph, opened, r46Incident, until, freshdeskSettings } from './remediate-fixtures.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});
const work = mkdtempSync(join(tmpdir(), 'pathmon-isolation-'));
cleanups.push(() => rmSync(work, { recursive: true, force: true }));
const graph = labGraph();
const log = join(work, 'commands.log');
const commands = () => readFileSync(log, 'utf8').trim().split('\n');

const config = remediationConfigSchema.parse({
  rules: [
    {
      name: 'isolate-down-links',
      match: { incident: { kind: ['down', 'loss'], link: '*' } },
      isolate: {
        isolate: { argv: ['/bin/sh', '-c', `echo "isolate $1" >> ${log}; echo "cost raised on $1"`, 'isolate', '{link}'] },
        restore: { argv: ['/bin/sh', '-c', `echo "restore $1" >> ${log}`, 'restore', '{link}'] },
        ticket: { subject: 'Link {link} isolated: please check the optics', description: 'Incident {incidentId}: {incidentSummary}', priority: 3, tags: ['dc-team'] },
        pollIntervalMs: 200,
        verifyTimeoutMs: 3_000,
      },
    },
  ],
});

let healthy = false;
async function start(client: SqlClient, fd: FakeFreshdesk): Promise<Remediation> {
  const remediation = await startRemediation({
    config,
    notifiers: {
      freshdesk: freshdeskSettings(fd.baseUrl),
    },
    freshdesk: new FreshdeskClient({ baseUrl: fd.baseUrl, apiKey: new Secret('k', 'test'), timeoutMs: 5000, maxRetries: 0, maxRetryAfterMs: 0 }),
    client,
    graph: () => graph,
    openIncidents: () => [],
    linkHealthy: (keys) => {
      assert.deepEqual([...keys].sort(), [K46, K64].sort());
      return healthy;
    },
    idlePollMs: 100,
    isolationTiming: { tickMs: 50, verifyCheckMs: 50, retryMs: 200 },
  });
  cleanups.push(() => remediation.close(1000));
  return remediation;
}

describe('link isolation workflow', () => {
  it('isolates once, tickets the DC team, survives a restart, restores on resolution, verifies and closes', { timeout: 600_000 }, async () => {
    const db = await freshDb();
    cleanups.push(() => db.dispose());
    const fd = await startFakeFreshdesk({ apiKey: 'k' });
    cleanups.push(() => fd.close());
    const incident = r46Incident('link:R4-R6:7');
    const first = await start(db.store.sqlClient, fd);
    await first.handleIncidentChange(opened(incident));
    await first.handleIncidentChange({ change: 'updated', incident: { ...incident, kind: 'loss' }, previous: incident, reason: 'loss now' });
    await until('the DC ticket', () => fd.tickets.length === 1);
    const ticket = fd.tickets[0]!;
    assert.match(ticket.subject, /Link R4↔R6 isolated/);
    assert.match(ticket.description, /cost raised on R4↔R6/, 'the isolate command output is the evidence');
    assert.match(ticket.description, /100 % loss/);
    assert.ok(ticket.tags.includes('dc-team') && ticket.tags.includes('pathmon-isolation'));
    assert.equal(ticket.priority, 3);
    await until('a few polls', () => fd.requests.filter((r) => r.method === 'GET' && r.path === `/api/v2/tickets/${ticket.id}`).length >= 2);
    assert.deepEqual(commands(), ['isolate R4↔R6']);
    const [waiting] = await isolations(db.store.sqlClient);
    assert.equal(waiting!.state, 'waiting');

    await first.close(1000);
    const store = await db.reopen();
    const second = await start(store.sqlClient, fd);
    await second.handleIncidentChange(opened(incident));
    fd.agentSetsStatus(ticket.id, 4);
    await until('the restore command', () => commands().length === 2);
    assert.deepEqual(commands(), ['isolate R4↔R6', 'restore R4↔R6'], 'each command once, across the restart');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await isolations(store.sqlClient))[0]!.state, 'verifying', 'the ticket is not the evidence: the probes are');
    healthy = true;
    await until('the isolation to close', async () => (await isolations(store.sqlClient))[0]!.state === 'closed');
    const [closed] = await isolations(store.sqlClient);
    assert.equal(closed!.outcome, 'healthy');
    assert.deepEqual(
      closed!.history.map((h) => h.state),
      ['isolating', 'isolating', 'ticketing', 'waiting', 'restoring', 'verifying', 'closed'],
    );
    const after = fd.ticket(ticket.id)!;
    assert.equal(after.status, 5);
    assert.match(after.notes.at(-1)!.body, /probes show R4↔R6 healthy/);
  });

  it('reopens the ticket when the probes do not show the link healthy after the restore', { timeout: 600_000 }, async () => {
    const db = await freshDb();
    cleanups.push(() => db.dispose());
    const fd = await startFakeFreshdesk({ apiKey: 'k' });
    cleanups.push(() => fd.close());
    healthy = false;
    const remediation = await start(db.store.sqlClient, fd);
    await remediation.handleIncidentChange(opened(r46Incident('link:R4-R6:8')));
    await until('the DC ticket', () => fd.tickets.length === 1);
    fd.agentSetsStatus(fd.tickets[0]!.id, 5);
    await until('the isolation to close', async () => (await isolations(db.store.sqlClient))[0]?.state === 'closed');
    const [closed] = await isolations(db.store.sqlClient);
    assert.equal(closed!.outcome, 'unhealthy');
    assert.equal(fd.tickets[0]!.status, 2, 'reopened for a second look');
    assert.match(fd.tickets[0]!.notes.at(-1)!.body, /did not show R4↔R6 healthy/);
  });
});
