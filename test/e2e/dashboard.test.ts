/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the web server over
 * the recorded monitor (real nanog76 topology and plan, history in PGlite): rows present, a state change
 * appearing live without reload; the state filter and the search judged by the rows actually on screen
 * (computed display and box, not the `hidden` attribute), with a query taken from the data so it matches
 * something, and one that matches nothing; the chart drawn from data points; the incidents page listing the
 * recorded one-way R4→R6 incident; the map painting that direction red and its reverse not, and following
 * a one-way impairment live; the per-link chart drawn from stored estimates. Colours are asserted as
 * displayed (the computed stroke of the link's line), not as attributes. Screenshots go to
 * test/artifacts/ (not committed).
 *
 * Waits are on page state (selectors and attributes), never on elapsed time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { startWebServer, type WebServer } from '../../src/web/index.js';
import { launchBrowser, screenshot, type TestBrowser } from '../helpers/browser.js';
import { INCIDENT_TICKET_ID, LINK_INCIDENT_TICKET_ID, RecordedMonitor } from '../helpers/recorded-monitor.js';
import { repoRoot } from '../helpers/repo-root.js';
import { visibleRows } from './dashboard/visible-rows.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const WAIT_MS = 20_000;

let dataDir: string;
let monitor: RecordedMonitor;
let server: WebServer;
let browser: TestBrowser;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pathmon-dash-'));
  const store = await openStore(`pglite:${dataDir}`);
  monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { store, historyHours: 6 });
  await monitor.round();
  server = await startWebServer(monitor, { listen: '127.0.0.1:0', log: () => undefined });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await monitor?.store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('dashboard in Chromium', () => {
  it('shows a row per path, and a state change appears live without reload', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#table[data-rows="8"]', { timeout: WAIT_MS });
    const rows = page.locator('.vt-body .vt-row:not([hidden])');
    assert.equal(await rows.count(), 8);
    assert.equal(await page.locator('.vt-body .vt-row[data-state="UP"]:not([hidden])').count(), 8);
    assert.match((await rows.first().innerText()).replace(/\s+/g, ' '), /dev1 › R1 › .* › dev2/);
    // The live-event stream is connected before we change anything.
    await page.waitForSelector('#live.on', { timeout: WAIT_MS });
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    const victim = monitor.paths()[3]!.record.id;
    await monitor.setState(victim, 'DOWN', 'set by the dashboard test');
    const row = page.locator(`.vt-body .vt-row[data-path-id="${victim}"]`);
    await row.locator('.state.DOWN').waitFor({ timeout: WAIT_MS });
    assert.equal(await row.getAttribute('data-state'), 'DOWN');
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'no reload happened');
    await screenshot(page, 'dashboard-paths-live-down');
    await monitor.setState(victim, 'UP', 'restored by the dashboard test');
  });

  it('sorts the table by a column', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#table[data-rows="8"]', { timeout: WAIT_MS });
    await page.locator('#head span[data-key="lastP50"]').click();
    await page.waitForSelector('#table[data-sorted="lastP50:asc"]', { timeout: WAIT_MS });
    const p50s = await page.locator('.vt-body .vt-row:not([hidden]) > span:nth-child(4)').allInnerTexts();
    const values = p50s.map(Number);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
    );
  });

  it('hides the rows of unticked states on screen, not only in the count', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#table[data-rows="8"]', { timeout: WAIT_MS });
    assert.equal((await visibleRows(page)).length, 8);
    const victim = monitor.paths()[2]!.record.id;
    await monitor.setState(victim, 'DOWN', 'set by the filter test');
    await page.locator(`.vt-body .vt-row[data-path-id="${victim}"] .state.DOWN`).waitFor({ timeout: WAIT_MS });

    for (const state of ['UP', 'DEGRADED', 'GONE']) await page.uncheck(`.state-filter[value="${state}"]`);
    await page.waitForSelector('#table[data-rows="1"]', { timeout: WAIT_MS });
    assert.equal(await page.locator('#count').innerText(), '1 of 8 paths');
    assert.match(await page.locator('#summary').innerText(), /^1 DOWN · 0 DEGRADED · 7 UP/);
    const onlyDown = await visibleRows(page);
    assert.deepEqual(
      onlyDown.map((row) => [row.pathId, row.state]),
      [[victim, 'DOWN']],
      'only the DOWN row is on screen',
    );
    await screenshot(page, 'dashboard-paths-only-down');

    await page.check('.state-filter[value="UP"]');
    await page.waitForSelector('#table[data-rows="8"]', { timeout: WAIT_MS });
    const all = await visibleRows(page);
    assert.equal(all.length, 8);
    assert.equal(all.filter((row) => row.state === 'UP').length, 7);
    for (const state of ['DEGRADED', 'GONE']) await page.check(`.state-filter[value="${state}"]`);
    await monitor.setState(victim, 'UP', 'restored by the filter test');
    await page.locator(`.vt-body .vt-row[data-path-id="${victim}"] .state.UP`).waitFor({ timeout: WAIT_MS });
  });

  it('searches the labels users see: the path as names joined by ›, the group and the state', async () => {
    const { page } = browser;
    const labels = monitor.paths().map((path) => ({ id: path.record.id, label: path.record.names.join(' › ') }));
    // A query taken from the data: two consecutive hops that some paths cross and others do not.
    const query = hopPairQuery(labels.map((path) => path.label));
    const expected = labels
      .filter((path) => path.label.includes(query))
      .map((path) => path.id)
      .sort();
    assert.ok(expected.length > 0 && expected.length < labels.length, `"${query}" matches ${expected.length} of ${labels.length} paths`);

    await page.fill('#filter', query);
    await page.waitForSelector(`#table[data-rows="${expected.length}"]`, { timeout: WAIT_MS });
    const shown = await visibleRows(page);
    assert.deepEqual(shown.map((row) => row.pathId).sort(), expected);
    for (const row of shown) assert.ok(row.path.includes(query), `row "${row.path}" shows "${query}"`);
    await screenshot(page, 'dashboard-paths-search');

    // The state as shown in the first column.
    const victim = monitor.paths()[5]!.record.id;
    await monitor.setState(victim, 'DEGRADED', 'set by the search test');
    await page.fill('#filter', 'degraded');
    await page.waitForSelector('#table[data-rows="1"]', { timeout: WAIT_MS });
    assert.deepEqual(
      (await visibleRows(page)).map((row) => [row.pathId, row.state]),
      [[victim, 'DEGRADED']],
    );
    await monitor.setState(victim, 'UP', 'restored by the search test');

    // The group, as shown in the third column.
    const group = monitor.paths()[0]!.record.group;
    await page.fill('#filter', group);
    await page.waitForSelector(`#table[data-rows="${labels.length}"]`, { timeout: WAIT_MS });
    assert.ok((await visibleRows(page)).every((row) => row.group === group));

    // A query that matches nothing leaves nothing on screen, and says so.
    await page.fill('#filter', 'R6 › R1 › nowhere');
    await page.waitForSelector('#table[data-rows="0"]', { timeout: WAIT_MS });
    assert.deepEqual(await visibleRows(page), []);
    assert.equal(await page.locator('#count').innerText(), '0 of 8 paths');
    assert.ok(await page.locator('#empty').isVisible(), 'the table says that no path matches');
    await page.fill('#filter', '');
    await page.waitForSelector(`#table[data-rows="${labels.length}"]`, { timeout: WAIT_MS });
    assert.equal((await visibleRows(page)).length, labels.length);
  });

  it('draws the path chart from data points, with the recorded incident and its ticket listed', async () => {
    const { page } = browser;
    const victim = monitor.paths().at(-1)!.record.id;
    await page.goto(`${server.url}/path?id=${victim}`);
    await page.waitForSelector('#chart[data-points]', { timeout: WAIT_MS });
    const points = Number(await page.getAttribute('#chart', 'data-points'));
    assert.ok(points > 100, `${points} points drawn over 6 h`);
    // The canvas really has ink on it: blue delay line pixels exist.
    const bluePixels = await page.evaluate(() => {
      const canvas = document.getElementById('chart') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 80 && data[i + 1]! > 90 && data[i + 1]! < 130 && data[i + 2]! > 200) count++;
      return count;
    });
    assert.ok(bluePixels > 200, `${bluePixels} p50-line pixels`);
    const events = await page.locator('#events tbody').innerText();
    assert.match(events, /DEGRADED/);
    assert.match(events, new RegExp(`ticket #${INCIDENT_TICKET_ID}`));
    assert.equal(await page.locator('#hops tbody tr').count(), monitor.path(victim).record.hops.length);
    await screenshot(page, 'dashboard-path-chart');

    // Zoom by dragging: the chart re-reads a shorter range.
    const box = (await page.locator('#chart').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + 100);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + 120, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector('#reset:not([hidden])', { timeout: WAIT_MS });
    await page.waitForFunction((before) => Number(document.getElementById('chart')!.dataset.points) !== before, points, { timeout: WAIT_MS });
  });

  it('lists the open incident first on the incidents page, and expands it to its changes and evidence', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/incidents`);
    await page.waitForSelector('body[data-version]', { state: 'attached', timeout: WAIT_MS });
    const open = page.locator('#open-incidents tr.incident');
    assert.equal(await open.count(), 1);
    const row = open.first();
    assert.equal(await row.getAttribute('data-incident-id'), monitor.incidents()[0]!.id);
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /R4→R6/);
    assert.match(text, /down/);
    assert.match(text, /one-way/);
    assert.match(text, /100(\.0)? % loss/);
    assert.match(text, new RegExp(`#${LINK_INCIDENT_TICKET_ID}`));
    assert.match((await page.locator('#resolved-incidents tr.incident').first().innerText()).replace(/\s+/g, ' '), /R3↔R5 .*delay/);
    await row.click();
    await page.waitForSelector('#open-incidents tr.detail table.changes tr', { timeout: WAIT_MS });
    const changes = await page.locator('#open-incidents tr.detail table.changes tr').allInnerTexts();
    assert.deepEqual(
      changes.map((line) => /opened|updated|resolved/.exec(line)?.[0]),
      ['opened', 'updated'],
    );
    assert.match(await page.locator('#open-incidents tr.detail').innerText(), /Evidence walks \([1-9]/);
    assert.match(await page.locator('#open-incidents tr.detail').innerText(), /data plane down, control plane up/);
    await screenshot(page, 'dashboard-incidents');
  });

  it("paints the blamed direction R4→R6 red and its reverse not, and shows the link's estimate and incident on click", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/topology`);
    // A horizontal line has a zero-height box, which playwright calls hidden: wait for presence.
    await page.waitForSelector('#map line.link', { state: 'attached', timeout: WAIT_MS });
    await page.waitForSelector('#live.on', { timeout: WAIT_MS });
    assert.equal(await strokeOf(page, 'R4', 'R6'), RED);
    const reverse = await strokeOf(page, 'R6', 'R4');
    assert.notEqual(reverse, RED);
    assert.equal(reverse, GREEN);
    // Only one direction on the whole map is red: not every link of the paths it breaks.
    const reds = await page.locator('#map line.link').evaluateAll((lines, red) => lines.filter((line) => getComputedStyle(line).stroke === red).length, RED);
    assert.equal(reds, 1);

    await page.locator('#map g.link-dir', { has: page.locator('line[data-from="R4"][data-to="R6"]') }).dispatchEvent('click');
    await page.waitForSelector('#link-estimate', { timeout: WAIT_MS });
    const panel = (await page.locator('#panel').innerText()).replace(/\s+/g, ' ');
    assert.match(panel, /loss 100(\.0)? % \(down\)/);
    assert.match(panel, /confidence 95 %/);
    assert.match(await page.locator('#link-incident').innerText(), /R4→R6: 100 % loss/);
    const listed = await page.locator('#link-paths tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-path-id')));
    assert.deepEqual(
      listed.sort(),
      monitor
        .pathsAcross('R4', 'R6')
        .map((path) => path.record.id)
        .sort(),
    );
    await screenshot(page, 'dashboard-topology-incident');
  });

  it("draws the per-link chart of estimated loss over time from the map's link panel", async () => {
    const { page } = browser;
    await page.locator('#link-chart').click();
    await page.waitForSelector('#link-chart-canvas[data-points]', { timeout: WAIT_MS });
    const points = Number(await page.getAttribute('#link-chart-canvas', 'data-points'));
    assert.ok(points >= 25, `${points} estimates over the last 30 minutes`);
    assert.match(await page.locator('#title').innerText(), /R4→R6/);
    // Ink: dark-red (down) bars cover the last 30 minutes of a 6 h chart, about a twelfth of its width.
    const columns = await page.evaluate(() => {
      const canvas = document.getElementById('link-chart-canvas') as HTMLCanvasElement;
      const { width, height } = canvas;
      const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      const inked = new Set<number>();
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4;
          if (data[i]! > 120 && data[i]! < 160 && data[i + 1]! < 50 && data[i + 2]! < 50) inked.add(x);
        }
      }
      return { inked: inked.size, width };
    });
    const share = columns.inked / columns.width;
    assert.ok(share > 0.05 && share < 0.12, `down bars span ${(share * 100).toFixed(1)} % of the chart width, as 30 min of 6 h should`);
    assert.match(await page.locator('#link-incidents').innerText(), /down/);
    await screenshot(page, 'dashboard-link-chart');
  });

  it('follows a one-way impairment live: only the impaired direction turns red, and back', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/topology`);
    await page.waitForSelector('#map line.link', { state: 'attached', timeout: WAIT_MS });
    await page.waitForSelector('#live.on', { timeout: WAIT_MS });
    assert.equal(await strokeOf(page, 'R2', 'R4'), GREEN);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));

    monitor.impairOneWay('R2', 'R4', { lossPct: 100 });
    await monitor.round();
    await page.waitForSelector('#map line.link[data-from="R2"][data-to="R4"][data-paint="red"]', { state: 'attached', timeout: WAIT_MS });
    assert.equal(await strokeOf(page, 'R2', 'R4'), RED);
    assert.equal(await strokeOf(page, 'R4', 'R2'), GREEN);
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 7, 'no reload happened');
    const file = await screenshot(page, 'dashboard-topology-impaired');
    assert.ok(existsSync(file));

    monitor.impairOneWay('R2', 'R4', {});
    await monitor.round();
    await page.waitForSelector('#map line.link[data-from="R2"][data-to="R4"][data-paint="green"]', { state: 'attached', timeout: WAIT_MS });
    assert.equal(await strokeOf(page, 'R2', 'R4'), GREEN);
  });
});

const RED = 'rgb(210, 59, 59)';
const GREEN = 'rgb(46, 157, 79)';

/** The colour the browser draws a link direction in: its computed stroke, whatever set it. */
async function strokeOf(page: TestBrowser['page'], from: string, to: string): Promise<string> {
  return page.locator(`#map line.link[data-from="${from}"][data-to="${to}"]`).evaluate((line) => getComputedStyle(line).stroke);
}

/** `A › B` for the consecutive hop pair crossed by the most paths short of all of them. */
function hopPairQuery(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const label of labels) {
    const names = label.split(' › ');
    for (const pair of new Set(names.slice(1, -2).map((name, i) => `${name} › ${names[i + 2]}`))) counts.set(pair, (counts.get(pair) ?? 0) + 1);
  }
  const [best] = [...counts].filter(([, count]) => count < labels.length).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (!best) throw new Error(`dashboard.test.hopPairQuery: no hop pair is crossed by some but not all of ${labels.length} paths`);
  return best[0];
}
