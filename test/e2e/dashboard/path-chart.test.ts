/**
 * The path chart in Chromium over two recorded histories in the real store (PGlite): five minutes of
 * 10-second rounds and seven days of 5-minute rounds, each with a full outage of one path in the middle.
 * What a user would notice is checked on the drawn canvas: the default range fits the data (a bit over
 * five minutes, not six hours), the RTT smoke fills the chart where there is data, loss is painted
 * from the outage's first round to its recovery and nowhere else, state-change labels never overlap, and
 * the time zone is named (the browser runs in America/New_York, so a UTC-only chart would show). The
 * screenshots (test/artifacts/path-chart-*.png) are for a person to look at.
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
import { chartGeometry, inkColumns, rgbOf, xOf, type ChartGeometry } from './chart-ink.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const WAIT_MS = 20_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const LOSS = rgbOf('#d23b3b');
const SMOKE = rgbOf('#b9cbec');

interface History {
  dataDir: string;
  monitor: RecordedMonitor;
  server: WebServer;
  victim: string;
  outage: { downAtMs: number; upAtMs: number };
}

let short: History;
let long: History;
let browser: TestBrowser;

/** A monitor with `hours` of rounds and a 100 % outage of the last path in [startMs, endMs), served. */
async function history(hours: number, roundIntervalMs: number, outageFromNowMs: [number, number]): Promise<History> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pathmon-chart-'));
  const store = await openStore(`pglite:${dataDir}`);
  const nowMs = Date.now();
  const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', {
    store,
    nowMs,
    historyHours: hours,
    roundIntervalMs,
    incident: false,
    linkIncidents: false,
    outage: { startMs: nowMs - outageFromNowMs[0], endMs: nowMs - outageFromNowMs[1] },
  });
  const server = await startWebServer(monitor, { listen: '127.0.0.1:0', log: () => undefined });
  const victim = monitor.paths().at(-1)!.record.id;
  const changes = await store.transitions(victim, 0, nowMs + 1);
  const down = changes.find((change) => change.to === 'DOWN');
  const up = changes.find((change) => change.to === 'UP');
  assert.ok(down && up, 'the recorded outage has its DOWN and UP transitions');
  return { dataDir, monitor, server, victim, outage: { downAtMs: down.atMs, upAtMs: up.atMs } };
}

before(async () => {
  long = await history(7 * 24, 5 * MINUTE_MS, [3.5 * DAY_MS, 3.5 * DAY_MS - 6 * 3_600_000]);
  // Last, so its five minutes end close to when the page reads them.
  short = await history(5 / 60, 10_000, [3 * MINUTE_MS, 2 * MINUTE_MS]);
  browser = await launchBrowser({ width: 1400, height: 900 }, { timezoneId: 'America/New_York' });
});

after(async () => {
  await browser?.close();
  for (const h of [short, long]) {
    await h?.server.close();
    await h?.monitor.store.close();
    if (h) rmSync(h.dataDir, { recursive: true, force: true });
  }
});

async function openChart(h: History): Promise<ChartGeometry> {
  const { page } = browser;
  await page.goto(`${h.server.url}/path?id=${h.victim}`);
  await page.waitForSelector('#chart[data-marks]', { state: 'attached', timeout: WAIT_MS });
  return chartGeometry(page);
}

/** Red loss columns along the bottom of the loss plot, where every non-zero bar is painted. */
async function lossColumns(geometry: ChartGeometry): Promise<number[]> {
  return inkColumns(browser.page, LOSS, geometry.lossBottom - 3, geometry.lossBottom - 1);
}

/** Asserts loss ink spans the outage (first lossy round to recovery) within `slackPx`, and nothing else. */
function assertLossOnlyInOutage(columns: number[], geometry: ChartGeometry, outage: History['outage'], slackPx: number): void {
  const from = xOf(geometry, outage.downAtMs);
  const to = xOf(geometry, outage.upAtMs);
  assert.ok(columns.length > 0, 'loss is drawn');
  const stray = columns.filter((x) => x < from - slackPx || x > to + slackPx);
  assert.deepEqual(stray, [], `loss only between x=${from.toFixed(1)} and x=${to.toFixed(1)} (±${slackPx} px)`);
  const covered = columns.filter((x) => x >= from && x <= to).length;
  assert.ok(covered >= (to - from) * 0.9, `loss covers ${covered} of the outage's ${(to - from).toFixed(1)} px`);
}

describe('path chart in Chromium', () => {
  it("fits five minutes of data, paints the outage's loss only where it happened, and names the time zone", async () => {
    const geometry = await openChart(short);
    const rangeMs = geometry.untilMs - geometry.sinceMs;
    assert.ok(rangeMs > 5 * MINUTE_MS && rangeMs < 6 * MINUTE_MS, `default range ${(rangeMs / MINUTE_MS).toFixed(2)} min for 5 min of data`);
    assert.match(await browser.page.locator('#range-note').innerText(), /^showing 5 min \d+ s/);

    // The smoke fills the plot except during the outage (nothing came back) and the small margins.
    const smoke = await inkColumns(browser.page, SMOKE, 0, geometry.lossTop);
    const plotWidth = geometry.plotRight - geometry.plotLeft;
    const outageWidth = xOf(geometry, short.outage.upAtMs) - xOf(geometry, short.outage.downAtMs);
    assert.ok(smoke.length > (plotWidth - outageWidth) * 0.85, `smoke in ${smoke.length} of ${plotWidth} plot columns`);
    assert.deepEqual(
      smoke.filter((x) => x > xOf(geometry, short.outage.downAtMs) + 2 && x < xOf(geometry, short.outage.upAtMs) - 2),
      [],
      'no RTT smoke while nothing came back',
    );

    assertLossOnlyInOutage(await lossColumns(geometry), geometry, short.outage, 2);

    assert.match(await browser.page.locator('#time-zone').innerText(), /UTC-05:00 \(America\/New_York\)/);
    assert.match(geometry.timeZone, /UTC-05:00/);
    assert.equal(await browser.page.locator('#events thead th').first().innerText(), 'time (UTC-05:00)');
    const labels = JSON.parse((await browser.page.getAttribute('#chart', 'data-marks'))!) as { state: string; text: string }[];
    assert.deepEqual(
      labels.map((label) => label.text),
      ['DOWN', 'UP'],
    );
    await screenshot(browser.page, 'path-chart-5min');
  });

  it('fits seven days of data and paints a six-hour outage in the middle only where it happened', async () => {
    const geometry = await openChart(long);
    const rangeMs = geometry.untilMs - geometry.sinceMs;
    assert.ok(rangeMs > 7 * DAY_MS && rangeMs < 7.5 * DAY_MS, `default range ${(rangeMs / DAY_MS).toFixed(2)} d for 7 d of data`);
    // Points are buckets here: the edges of the outage may fall inside one, so allow one bucket of slack.
    const bucketPx = (geometry.stepMs / (geometry.untilMs - geometry.sinceMs)) * (geometry.plotRight - geometry.plotLeft);
    assert.ok(bucketPx < 12, `buckets are ${bucketPx.toFixed(1)} px wide`);
    const columns = await lossColumns(geometry);
    assertLossOnlyInOutage(columns, geometry, long.outage, Math.ceil(bucketPx) + 1);
    const outagePx = xOf(geometry, long.outage.upAtMs) - xOf(geometry, long.outage.downAtMs);
    assert.ok(columns.length < outagePx + 2 * bucketPx + 2, `${columns.length} loss columns for a ${outagePx.toFixed(1)} px outage`);
    await screenshot(browser.page, 'path-chart-7d');
  });

  it('never draws state-change labels over each other, however close the changes are', async () => {
    // A burst of changes two seconds apart (about 8 px at this range) in the middle of the short history.
    const base = short.monitor.nowMs - 150_000;
    const burst = ['DEGRADED', 'DOWN', 'UP', 'DEGRADED', 'UP', 'DOWN', 'UP'] as const;
    for (const [i, state] of burst.entries()) await short.monitor.setState(short.victim, state, 'set by the label test', base + i * 2000);
    const geometry = await openChart(short);
    const labels = JSON.parse((await browser.page.getAttribute('#chart', 'data-marks'))!) as { lane: number; leftPx: number; rightPx: number; text: string; state: string }[];
    const omitted = Number(await browser.page.getAttribute('#chart', 'data-marks-omitted'));
    assert.equal(labels.length + omitted, burst.length + 2, 'every change in range is either labelled or counted as left out');
    assert.ok(labels.length >= 4, `${labels.length} labels placed`);
    for (const [i, a] of labels.entries()) {
      assert.ok(a.leftPx >= geometry.plotLeft && a.rightPx <= geometry.plotRight, `"${a.text}" inside the plot`);
      for (const b of labels.slice(i + 1)) {
        const overlap = a.lane === b.lane && a.leftPx < b.rightPx && b.leftPx < a.rightPx;
        assert.ok(!overlap, `"${a.text}" (${a.leftPx.toFixed(0)}–${a.rightPx.toFixed(0)}) and "${b.text}" (${b.leftPx.toFixed(0)}–${b.rightPx.toFixed(0)}) share lane ${a.lane}`);
      }
    }
    await screenshot(browser.page, 'path-chart-label-burst');
  });
});
