/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the web server over
 * the recorded monitor (real nanog76 topology and plan, history in PGlite): rows present, a state change
 * appearing live without reload, the chart drawn from data points, the topology link colour following an
 * impairment. Screenshots go to test/artifacts/ (not committed).
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
import { INCIDENT_TICKET_ID, RecordedMonitor } from '../helpers/recorded-monitor.js';
import { repoRoot } from '../helpers/repo-root.js';

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

  it('sorts and filters the table', async () => {
    const { page } = browser;
    await page.locator('#head span[data-key="lastP50"]').click();
    await page.waitForSelector('#table[data-sorted="lastP50:asc"]', { timeout: WAIT_MS });
    const p50s = await page.locator('.vt-body .vt-row:not([hidden]) > span:nth-child(4)').allInnerTexts();
    const values = p50s.map(Number);
    assert.deepEqual(values, [...values].sort((a, b) => a - b));
    await page.fill('#filter', 'R3 › R5');
    await page.waitForFunction(() => Number(document.getElementById('table')!.dataset.rows) < 8, undefined, { timeout: WAIT_MS });
    for (const text of await page.locator('.vt-body .vt-row:not([hidden]) > span:nth-child(2)').allInnerTexts()) assert.match(text, /R3 › R5/);
    await page.fill('#filter', '');
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

  it('colours topology links by the worst crossing path, following an impairment live', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/topology`);
    // A horizontal line has a zero-height box, which playwright calls hidden: wait for presence.
    await page.waitForSelector('#map line.link', { state: 'attached', timeout: WAIT_MS });
    await page.waitForSelector('#live.on', { timeout: WAIT_MS });
    const r2r4 = page.locator('#map line.link[data-from="R2"][data-to="R4"]');
    assert.equal(await r2r4.getAttribute('data-state'), 'UP');
    await screenshot(page, 'dashboard-topology-before');

    monitor.impair('R2', 'R4', { lossPct: 100 });
    await monitor.round();
    await page.waitForSelector('#map line.link[data-from="R2"][data-to="R4"][data-state="DOWN"]', { state: 'attached', timeout: WAIT_MS });
    assert.equal(await r2r4.getAttribute('stroke'), '#d23b3b');
    // A link that only unaffected paths cross stays green.
    const r3r5 = page.locator('#map line.link[data-from="R3"][data-to="R5"]');
    const crossing = monitor.pathsAcross('R3', 'R5').map((path) => path.state);
    assert.equal(await r3r5.getAttribute('data-state'), crossing.includes('DOWN') ? 'DOWN' : 'UP');

    await r2r4.dispatchEvent('click');
    await page.waitForSelector('#link-paths tr', { timeout: WAIT_MS });
    const listed = await page.locator('#link-paths tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-path-id')));
    assert.deepEqual(listed.sort(), monitor.pathsAcross('R2', 'R4').map((path) => path.record.id).sort());
    const file = await screenshot(page, 'dashboard-topology-impaired');
    assert.ok(existsSync(file));

    monitor.impair('R2', 'R4', {});
    await monitor.round();
    await page.waitForSelector('#map line.link[data-from="R2"][data-to="R4"][data-state="UP"]', { state: 'attached', timeout: WAIT_MS });
  });
});
