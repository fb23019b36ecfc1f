/**
 * Shared pieces of the remediation tests: a small topology with addressed links (R4, R5, R6, and two
 * parallel links R5–R6), device events and link incidents on it, and fresh PGlite stores.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { buildTopology, type TopologyEvent, type TopologyGraph } from '../../../topology/index.js';
import { linkKey } from '../../../topology/model.js';
import type { IncidentChange, IncidentRecord } from '../../../src/incidents/incident.js';
import { openStore, type SqlStore } from '../../../src/store/index.js';
import type { SyslogEvent } from '../../../src/syslog/syslog-event.js';

export const K46 = linkKey('R4', 'R6', '10.0.46.0', '10.0.46.1');
export const K64 = linkKey('R6', 'R4', '10.0.46.1', '10.0.46.0');
export const K45 = linkKey('R4', 'R5', '10.0.45.0', '10.0.45.1');
export const K54 = linkKey('R5', 'R4', '10.0.45.1', '10.0.45.0');
export const K56a = linkKey('R5', 'R6', '10.0.56.0', '10.0.56.1');
export const K56b = linkKey('R5', 'R6', '10.0.57.0', '10.0.57.1');

export function labGraph(): TopologyGraph {
  const node = (name: string, routerId: string): TopologyEvent => ({ kind: 'node-up', node: { id: name, name, kind: 'router', routerId } });
  const link = (from: string, to: string, local: string, neighbor: string): TopologyEvent => ({
    kind: 'link-up',
    link: { key: linkKey(from, to, local, neighbor), from, to, localAddress: local, neighborAddress: neighbor, prefixLength: 31, igpMetric: 10 },
  });
  return buildTopology([
    node('R4', '10.255.0.4'),
    node('R5', '10.255.0.5'),
    node('R6', '10.255.0.6'),
    link('R4', 'R6', '10.0.46.0', '10.0.46.1'),
    link('R6', 'R4', '10.0.46.1', '10.0.46.0'),
    link('R4', 'R5', '10.0.45.0', '10.0.45.1'),
    link('R5', 'R4', '10.0.45.1', '10.0.45.0'),
    link('R5', 'R6', '10.0.56.0', '10.0.56.1'),
    link('R6', 'R5', '10.0.56.1', '10.0.56.0'),
    link('R5', 'R6', '10.0.57.0', '10.0.57.1'),
    link('R6', 'R5', '10.0.57.1', '10.0.57.0'),
  ]);
}

let nextEventId = 1;

export function syslogEvent(overrides: Partial<SyslogEvent> = {}): SyslogEvent {
  const id = overrides.id ?? nextEventId++;
  return {
    id,
    receivedAtMs: Date.UTC(2026, 0, 1, 12, 0, 0) + id,
    deviceTimeMs: null,
    sourceAddress: '192.0.2.99',
    transport: 'udp',
    host: 'R4',
    facility: 3,
    severity: 5,
    program: 'ospfd',
    errorCode: null,
    message: 'AdjChg: Nbr 10.255.0.6(default) on r4r6-R6:10.0.46.0: Full -> Deleted (InactivityTimer)',
    structuredData: {},
    parsed: true,
    raw: '',
    status: 'NEW',
    node: null,
    linkKey: null,
    incidentId: null,
    ...overrides,
  };
}

export function r46Incident(id = 'link:R4-R6:1', overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  const keys = [K46, K64].sort();
  return {
    id,
    subjectKey: `link:${keys.join(',')}`,
    subject: { kind: 'link', linkKeys: keys, label: 'R4↔R6', direction: 'both' },
    kind: 'down',
    state: 'open',
    openedAtMs: Date.UTC(2026, 0, 1, 11, 59, 0),
    updatedAtMs: Date.UTC(2026, 0, 1, 11, 59, 0),
    resolvedAtMs: null,
    lossPct: 100,
    addedDelayMs: null,
    confidence: 0.9,
    controlPlaneUp: true,
    summary: 'R4↔R6: 100 % loss for 3 rounds',
    evidenceRoutes: ['w1'],
    explainedPaths: [],
    rounds: [],
    ...overrides,
  };
}

export function opened(incident: IncidentRecord): IncidentChange {
  return { change: 'opened', incident, previous: null, reason: 'loss for 3 rounds' };
}

let template: Promise<string> | null = null;
/** initdb once per test process; each store copies it (a fresh PGlite directory takes seconds). */
function templateDir(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathmon-remediate-template-'));
    const db = new PGlite(dir);
    await db.waitReady;
    await db.close();
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return template;
}

export interface TestDb {
  dir: string;
  store: SqlStore;
  /** Closes the store (as a stopped pathmon would) and opens the same data directory again. */
  reopen(): Promise<SqlStore>;
  dispose(): Promise<void>;
}

export async function freshDb(): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-remediate-'));
  cpSync(await templateDir(), dir, { recursive: true });
  const db: TestDb = {
    dir,
    store: await openStore(`pglite:${dir}`),
    async reopen() {
      await db.store.close().catch(() => undefined);
      db.store = await openStore(`pglite:${dir}`);
      return db.store;
    },
    async dispose() {
      await db.store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return db;
}

/** Waits until `check` holds, polling; fails naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The freshdesk notifier settings the remediation tests give startRemediation: at baseUrl, one try, no retries. */
export function freshdeskSettings(baseUrl: string) {
  return {
    apiKey: { env: 'UNUSED' },
    baseUrl,
    requesterEmail: 'noc@example.com',
    tags: [],
    priority: { DEGRADED: 2, DOWN: 4 },
    source: 2 as const,
    privateNotes: true,
    timeoutMs: 2000,
    maxRetries: 0,
    maxRetryAfterMs: 0,
    concurrency: 1,
  };
}
