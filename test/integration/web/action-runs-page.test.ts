/**
 * The action runs on the events page, over PGlite with a real remediation pool: GET /api/action-runs
 * lists each run with its rule, kind, trigger, state, timing, exit code and output, newest first,
 * filtered by status, rule, kind and event, paged, and refuses bad parameters with a 400 naming the
 * parameter; GET /api/action-runs/ID is one run's whole output; /api/syslog-events gives each event its
 * runs' states. In Chromium the page shows a run's output, hostile text escaped (it is the command's,
 * and the command printed what a device sent), collapsed until opened, and each event's run states.
 *
 * Waits are on page state, never on elapsed time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remediationConfigSchema } from '../../../src/remediate/remediation-config-schema.js';
import { startRemediation, type Remediation } from '../../../src/remediate/start-remediation.js';
import { openStore, type SqlStore } from '../../../src/store/index.js';
import { insertEvents } from '../../../src/syslog/event-queries.js';
import { startWebServer, type WebServer } from '../../../src/web/index.js';
import { launchBrowser, screenshot, type TestBrowser } from '../../helpers/browser.js';
import { RecordedMonitor } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { labGraph, syslogEvent } from '../remediate/remediate-fixtures.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const WAIT_MS = 30_000;
/** What a device could put in a message, printed back by the command: must show as text, never run. */
const HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1"><b>bold</b> & more';

interface ListedRun {
  id: number;
  rule: string;
  actionKind: string;
  target: string;
  eventId: number | null;
  state: string;
  exitCode: number | null;
  durationMs: number | null;
  startedAtMs: number | null;
  output: string | null;
  outputChars: number;
}

let dataDir: string;
let store: SqlStore;
let monitor: RecordedMonitor;
let remediation: Remediation;
let server: WebServer;
let browser: TestBrowser;
let eventIds: number[];

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pathmon-runs-page-'));
  store = await openStore(`pglite:${dataDir}`);
  const graph = labGraph();
  remediation = await startRemediation({
    config: remediationConfigSchema.parse({
      workers: 2,
      rules: [
        // Prints the device's message back, and a long tail, so the list carries only the start.
        { name: 'echo-message', match: { errorCode: 'ECHO-*' }, actions: [{ type: 'command', argv: ['/bin/sh', '-c', 'printf "%s\\n" "$PATHMON_EVENT_MESSAGE"; seq 1 2000'] }] },
        { name: 'fails', match: { errorCode: 'FAIL-*' }, actions: [{ type: 'command', argv: ['/bin/sh', '-c', 'echo broken >&2; exit 3'] }] },
      ],
    }),
    notifiers: {},
    client: store.sqlClient,
    graph: () => graph,
    openIncidents: () => [],
    idlePollMs: 100,
  });
  const now = Date.now();
  const events = [
    syslogEvent({ id: 0, errorCode: 'ECHO-1-X', message: HOSTILE, receivedAtMs: now - 3000 }),
    syslogEvent({ id: 0, errorCode: 'FAIL-1-X', receivedAtMs: now - 2000 }),
    syslogEvent({ id: 0, errorCode: 'OTHER-1-X', receivedAtMs: now - 1000 }),
  ];
  eventIds = await insertEvents(store.sqlClient, events);
  for (const [i, event] of events.entries()) await remediation.handleEvent({ ...event, id: eventIds[i]! });
  await remediation.pool.idle();
  monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { store, historyHours: 1, incident: false, linkIncidents: false });
  server = await startWebServer(monitor, { listen: '127.0.0.1:0', log: () => undefined });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await remediation?.close(1000);
  await store?.close().catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /api/action-runs', () => {
  it('lists each run with rule, kind, trigger, state, timing, exit code and the start of its output, newest first', async () => {
    const { status, body } = await get('/api/action-runs');
    assert.equal(status, 200);
    assert.equal(body.available, true);
    const runs = body.runs as ListedRun[];
    assert.deepEqual(
      runs.map((r) => [r.rule, r.eventId, r.state, r.exitCode]),
      [
        ['fails', eventIds[1], 'FAILURE', 3],
        ['echo-message', eventIds[0], 'SUCCESS', 0],
      ],
    );
    const echo = runs[1]!;
    assert.equal(echo.actionKind, 'command');
    assert.match(echo.target, /^\["\/bin\/sh","-c",/);
    assert.ok(echo.startedAtMs !== null && echo.durationMs !== null && echo.durationMs >= 0);
    assert.ok(echo.output!.startsWith(`${HOSTILE}\n1\n2\n`), 'the output as the command printed it');
    assert.ok(echo.outputChars > echo.output!.length, `the list carries the start only (${echo.output!.length} of ${echo.outputChars} characters)`);
    assert.match(runs[0]!.output!, /broken/);
  });

  it('filters by status, rule, kind and event, and pages with before', async () => {
    const rules = async (query: string) => ((await get(`/api/action-runs?${query}`)).body.runs as ListedRun[]).map((r) => r.rule);
    assert.deepEqual(await rules('status=failure'), ['fails']);
    assert.deepEqual(await rules('status=SUCCESS'), ['echo-message']);
    assert.deepEqual(await rules('rule=echo-message'), ['echo-message']);
    assert.deepEqual(await rules('rule=nothing'), []);
    assert.deepEqual(await rules('kind=webhook'), []);
    assert.deepEqual(await rules(`event=${eventIds[1]}`), ['fails']);
    const first = await get('/api/action-runs?limit=1');
    assert.deepEqual(
      (first.body.runs as ListedRun[]).map((r) => r.rule),
      ['fails'],
    );
    assert.equal(typeof first.body.nextBefore, 'number');
    assert.deepEqual(await rules(`limit=1&before=${first.body.nextBefore}`), ['echo-message']);
  });

  it('refuses bad parameters with a 400 naming the parameter and what was expected', async () => {
    const cases: [string, string, RegExp][] = [
      ['status=DONE', 'status', /expected one of QUEUED, RUNNING, SUCCESS, FAILURE, TIMEOUT/],
      ['rule=a%20b', 'rule', /expected letters, digits/],
      ['kind=shell', 'kind', /expected one of command, webhook/],
      ['event=abc', 'event', /expected an integer/],
      ['limit=0', 'limit', /expected an integer from 1 to 500/],
      ['limit=100000', 'limit', /expected an integer from 1 to 500/],
      ['before=-1', 'before', /expected an integer/],
      ['since=yesterday', 'since', /expected epoch milliseconds/],
      ['status=SUCCESS&status=FAILURE', 'status', /expected it once/],
    ];
    for (const [query, parameter, expected] of cases) {
      const { status, body } = await get(`/api/action-runs?${query}`);
      assert.equal(status, 400, query);
      const error = body.error as { message: string; parameter?: string };
      assert.match(error.message, new RegExp(`api\\.${parameter}`), `${query}: ${error.message}`);
      assert.match(error.message, expected, query);
    }
  });

  it('gives one run with its whole output by id; an unknown id is a 404, a malformed one a 400', async () => {
    const runs = (await get('/api/action-runs?rule=echo-message')).body.runs as ListedRun[];
    const { status, body } = await get(`/api/action-runs/${runs[0]!.id}`);
    assert.equal(status, 200);
    const run = body.run as ListedRun;
    assert.equal(run.output!.length, runs[0]!.outputChars);
    assert.ok(run.output!.trimEnd().endsWith('\n2000'));
    assert.equal((await get('/api/action-runs/999999')).status, 404);
    const bad = await get('/api/action-runs/x1');
    assert.equal(bad.status, 400);
    assert.match((bad.body.error as { message: string }).message, /api\.id: "x1" is not a run id/);
  });

  it("gives each event in /api/syslog-events its runs' states", async () => {
    const events = (await get('/api/syslog-events')).body.events as { id: number; runs: { state: string; rule: string }[] }[];
    const byId = new Map(events.map((e) => [e.id, e.runs.map((r) => `${r.rule}:${r.state}`)]));
    assert.deepEqual(byId.get(eventIds[0]!), ['echo-message:SUCCESS']);
    assert.deepEqual(byId.get(eventIds[1]!), ['fails:FAILURE']);
    assert.deepEqual(byId.get(eventIds[2]!), []);
  });
});

describe('action runs on the events page (Chromium)', () => {
  it("shows each run, its output collapsed and escaped until opened, and each event's run states", async () => {
    browser = await launchBrowser({ width: 1400, height: 1200 });
    const { page } = browser;
    await page.goto(`${server.url}/events`);
    await page.waitForSelector('#runs tr.action-run', { timeout: WAIT_MS });
    const rows = await page.$$eval('#runs tr.action-run', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent!.trim())));
    assert.equal(rows.length, 2);
    assert.equal(rows[0]![1], 'fails');
    assert.equal(rows[0]![4], 'FAILURE');
    assert.equal(rows[0]![7], '3');
    assert.equal(rows[1]![1], 'echo-message');
    assert.match(rows[1]![3]!, new RegExp(`event ${eventIds[0]}`));

    const output = page.locator('#runs tr.action-run').nth(1).locator('details');
    assert.equal(await output.getAttribute('open'), null, 'the output starts collapsed');
    assert.equal(await output.locator('pre').isVisible(), false);
    await output.locator('summary').click();
    await page.waitForFunction(() => (document.querySelector('#runs tr.action-run:nth-child(2) pre.output')?.textContent ?? '').trimEnd().endsWith('\n2000'), undefined, {
      timeout: WAIT_MS,
    });
    const text = await output.locator('pre').textContent();
    assert.ok(text!.startsWith(`${HOSTILE}\n1\n`), 'the markup shows as text');
    assert.equal(await page.locator('#runs img').count(), 0, 'no element came from the output');
    assert.equal(await page.locator('#runs pre b').count(), 0);
    assert.equal(await page.evaluate(() => document.body.dataset.pwned ?? null), null);

    const badges = await page.$$eval('#events tr.event td.runs', (tds) => tds.map((td) => td.textContent!.trim()));
    assert.deepEqual(badges, ['–', 'FAILURE', 'SUCCESS']);
    // The state shows in its colour (the page's styles are in app.css: its CSP refuses inline ones).
    const colour = await page.$eval(`#event-${eventIds[1]} a.run`, (a) => getComputedStyle(a).backgroundColor);
    assert.equal(colour, 'rgb(210, 59, 59)', 'FAILURE is red');
    await screenshot(page, 'events-action-runs');

    // A run state on an event lists that event's runs only.
    await page.locator(`#event-${eventIds[0]} a.run`).click();
    await page.waitForFunction(() => document.querySelectorAll('#runs tr.action-run').length === 1, undefined, { timeout: WAIT_MS });
    assert.equal(await page.locator('#runs tr.action-run td').nth(1).textContent(), 'echo-message');
    assert.match(page.url(), new RegExp(`runEvent=${eventIds[0]}`));
  });
});
