/**
 * Debian's Chromium driven by playwright-core, the way the dashboard tests and benchmark need it:
 * headless, no sandbox (tests run as root), no network chatter of its own (no QUIC, sync, component or
 * background updates) and a fresh empty profile per launch, removed on close.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './repo-root.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Where screenshots go: test/artifacts/ (not committed). */
export const artifactDir = join(repoRoot, 'test', 'artifacts');

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** The browser's time zone (an IANA name), so a test can check what a user elsewhere sees. Default: the host's. */
  timezoneId?: string;
}

export async function launchBrowser(viewport = { width: 1400, height: 900 }, options: LaunchOptions = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'pathmon-chromium-'));
  const context = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport,
      ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // playwright passes --user-data-dir itself (the fresh `profile`) and refuses it in args.
      ],
    })
    .catch((error) => {
      rmSync(profile, { recursive: true, force: true });
      throw error;
    });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactDir, { recursive: true });
  const file = join(artifactDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
