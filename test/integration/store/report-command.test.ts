/**
 * `pathmon report` over a PGlite store that holds user paths, cover walks (whose rounds share the
 * rounds table), a path's ticket under its incident subject and an open link incident: the report lists
 * the user paths only, with the path's own ticket, and the incidents open now.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { reportCommand } from '../../../src/commands/report-command.js';
import { openStore } from '../../../src/store/index.js';
import { MINUTE_MS, T0, linkIncident, pathRecord, round } from './store-fixtures.js';

function collector() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('pathmon report', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pathmon-report-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists user paths with their own ticket, never walks, and the open incidents', async () => {
    const store = await openStore(`pglite:${join(dataDir, 'db')}`);
    try {
      await store.upsertPaths([pathRecord('path-one'), pathRecord('path-two', { names: ['dev1', 'R3', 'dev2'] })]);
      await store.upsertWalks([{ id: 'wcover1', names: ['P', 'R1', 'P'], linkKeys: ['P>R1', 'R1>P'], firstSeenMs: T0, goneAtMs: null }]);
      await store.insertResults([round('path-one', T0), round('path-two', T0, 2, 5), round('wcover1', T0, 3, 0)]);
      await store.saveTicket({ subjectKey: 'path:path-two', incidentId: 'path:path-two@1', ticketId: 77, openedAtMs: T0, lastState: 'loss', resolvedAtMs: null });
      await store.saveTicket({ subjectKey: 'link:R4->R6', incidentId: 'link:R4->R6@1', ticketId: 78, openedAtMs: T0, lastState: 'down', resolvedAtMs: null });
      const incident = linkIncident('link:R4->R6@1', 'link:R4->R6', T0, { summary: 'R4→R6: 100 % loss for 3 rounds', explainedPaths: ['path-one'] });
      await store.recordIncidentChange({ change: 'opened', incident, previous: null, reason: 'r' });
    } finally {
      await store.close();
    }

    const json = collector();
    assert.equal(await reportCommand({ dataDir, since: '1h', json: true }, json.stream, T0 + 10 * MINUTE_MS), 0);
    const report = JSON.parse(json.text()) as { paths: { id: string; openTicketId: number | null; rounds: number }[]; openIncidents: { id: string; explainedPaths: string[] }[] };
    assert.deepEqual(report.paths.map((p) => [p.id, p.openTicketId, p.rounds]).sort(), [
      ['path-one', null, 1],
      ['path-two', 77, 1],
    ]);
    assert.deepEqual(
      report.openIncidents.map((i) => [i.id, i.explainedPaths]),
      [['link:R4->R6@1', ['path-one']]],
    );

    const text = collector();
    assert.equal(await reportCommand({ dataDir, since: '1h' }, text.stream, T0 + 10 * MINUTE_MS), 0);
    assert.ok(!text.text().includes('wcover1'), 'walks are not user paths');
    assert.match(text.text(), /open incidents: 1\n {2}R4→R6: 100 % loss for 3 rounds \(explains 1 path\), since 2025-01-01 00:00:00Z/);
  });
});
