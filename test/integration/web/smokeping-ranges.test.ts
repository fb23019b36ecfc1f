/**
 * SmokePing's three ranges at once on the path page, in Chromium over ten days of recorded rounds in
 * PGlite with one full outage of the path 2 h ago lasting 40 min: the 3 h, 30 h and 10 d charts are all
 * drawn, each over its own span ending now, each with RTT smoke from its data, and red loss only where
 * the outage was (for the 10 d chart, one bucket of slack at its edges). A drag across the 10 d chart
 * shows that stretch in the main chart. The screenshot (test/artifacts/path-smokeping-ranges.png) is
 * for a person to look at.
 *
 * Waits are on page state (selectors and attributes), never on elapsed time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../src/store/index.js';
import { startWebServer, type WebServer } from '../../../src/web/index.js';
import { launchBrowser, screenshot, type TestBrowser } from '../../helpers/browser.js';
import { RecordedMonitor } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { chartGeometry, inkColumns, rgbOf, xOf, type ChartGeometry } from '../../e2e/dashboard/chart-ink.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const WAIT_MS = 30_000;
const HOUR_MS = 3_600_000;
const LOSS = rgbOf('#d23b3b');
const SMOKE = rgbOf('#b9cbec');
const RANGES = [
  { selector: '#range-3h', spanMs: 3 * HOUR_MS },
  { selector: '#range-30h', spanMs: 30 * HOUR_MS },
  { selector: '#range-10d', spanMs: 240 * HOUR_MS },
];

let dataDir: string;
let monitor: RecordedMonitor;
let server: WebServer;
let browser: TestBrowser;
let victim: string;
let outage: { downAtMs: number; upAtMs: number };

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pathmon-smoke-'));
  const store = await openStore(`pglite:${dataDir}`);
  const nowMs = Date.now();
  monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', {
    store,
    nowMs,
    historyHours: 240,
    roundIntervalMs: 5 * 60_000,
    incident: false,
    linkIncidents: false,
    outage: { startMs: nowMs - 2 * HOUR_MS, endMs: nowMs - 2 * HOUR_MS + 40 * 60_000 },
  });
  server = await startWebServer(monitor, { listen: '127.0.0.1:0', log: () => undefined });
  victim = monitor.paths().at(-1)!.record.id;
  const changes = await store.transitions(victim, 0, nowMs + 1);
  const down = changes.find((change) => change.to === 'DOWN');
  const up = changes.find((change) => change.to === 'UP' && change.atMs > (down?.atMs ?? 0));
  assert.ok(down && up, 'the recorded outage has its DOWN and UP transitions');
  outage = { downAtMs: down.atMs, upAtMs: up.atMs };
  browser = await launchBrowser({ width: 1400, height: 1500 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await monitor?.store.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('SmokePing ranges on the path page', () => {
  it('draws 3 h, 30 h and 10 d charts with smoke from their data and loss only where the outage was', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/path?id=${victim}`);
    for (const range of RANGES) await page.waitForSelector(`${range.selector}[data-marks]`, { state: 'attached', timeout: WAIT_MS });
    await page.waitForSelector('#chart[data-marks]', { state: 'attached', timeout: WAIT_MS });
    // Taken first, so a failure below still leaves the picture to look at.
    await screenshot(page, 'path-smokeping-ranges');
    await page.screenshot({ path: '/tmp/path-smokeping-ranges.png', fullPage: true });

    for (const range of RANGES) {
      const geometry: ChartGeometry = await chartGeometry(page, range.selector);
      const spanMs = geometry.untilMs - geometry.sinceMs;
      assert.ok(Math.abs(spanMs - range.spanMs) < 60_000, `${range.selector} spans ${(spanMs / HOUR_MS).toFixed(2)} h`);
      assert.ok(Math.abs(geometry.untilMs - Date.now()) < 5 * 60_000, `${range.selector} ends now`);
      const expectedRounds = range.spanMs / (5 * 60_000);
      assert.ok(geometry.points >= Math.min(expectedRounds, 500) * 0.5, `${range.selector}: ${geometry.points} points`);

      const plotWidth = geometry.plotRight - geometry.plotLeft;
      const from = xOf(geometry, outage.downAtMs);
      const to = xOf(geometry, outage.upAtMs);
      const bucketPx = (geometry.stepMs / spanMs) * plotWidth;
      const slackPx = Math.ceil(bucketPx) + 2;

      const smoke = await inkColumns(page, SMOKE, 0, geometry.lossTop, 6, range.selector);
      assert.ok(smoke.length > (plotWidth - (to - from)) * 0.8, `${range.selector}: smoke in ${smoke.length} of ${plotWidth} columns`);

      // The whole loss plot (its threshold line is amber): in a small chart the line runs along the bars' feet.
      const loss = await inkColumns(page, LOSS, geometry.lossTop + 1, geometry.lossBottom - 1, 6, range.selector);
      assert.ok(loss.length > 0, `${range.selector}: the outage's loss is drawn`);
      const stray = loss.filter((x) => x < from - slackPx || x > to + slackPx);
      assert.deepEqual(stray, [], `${range.selector}: loss only between x=${from.toFixed(1)} and x=${to.toFixed(1)} (±${slackPx} px)`);
      const covered = loss.filter((x) => x >= from && x <= to).length;
      assert.ok(covered >= (to - from) * 0.9 - 2, `${range.selector}: loss covers ${covered} of the outage's ${(to - from).toFixed(1)} px`);
    }
  });

  it('shows the stretch dragged across the 10 d chart in the main chart', async () => {
    const { page } = browser;
    const geometry = await chartGeometry(page, '#range-10d');
    const box = (await page.locator('#range-10d').boundingBox())!;
    const a = geometry.plotLeft + (geometry.plotRight - geometry.plotLeft) * 0.2;
    const b = geometry.plotLeft + (geometry.plotRight - geometry.plotLeft) * 0.4;
    await page.mouse.move(box.x + a, box.y + 80);
    await page.mouse.down();
    await page.mouse.move(box.x + b, box.y + 90, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector('#reset:not([hidden])', { timeout: WAIT_MS });
    const expectedSince = geometry.sinceMs + (geometry.untilMs - geometry.sinceMs) * 0.2;
    await page.waitForFunction((since) => Math.abs(Number(document.getElementById('chart')!.dataset.sinceMs) - since) < 2 * 3_600_000, expectedSince, { timeout: WAIT_MS });
    const main = await chartGeometry(page);
    const shownDays = (main.untilMs - main.sinceMs) / (24 * HOUR_MS);
    assert.ok(shownDays > 1.8 && shownDays < 2.2, `the main chart shows ${shownDays.toFixed(2)} d (a fifth of 10 d)`);
  });
});
