/**
 * `pathmon run` for real in the nanog76 lab: the monitor inside dev1 (raw sockets, GRE routers), its
 * store on the machine's PostgreSQL through a cut proxy, tickets to the fake Freshdesk and mail to the
 * SMTP sink. What an operator would check:
 * - R2–R4 impaired: exactly the 4 paths crossing it go DEGRADED within 3 rounds, and the one broken
 *   link gets one incident, one ticket naming R2↔R4 and a mail (no ticket per path);
 * - R2–R4 restored: the paths are UP again, the ticket is resolved and a mail goes out;
 * - the database unreachable for 30 s mid-run: every round the monitor made is in the database after,
 *   for every path (the batching writer held them);
 * - SIGTERM: the monitor finishes its round, flushes and exits 0.
 * The monitor runs as `ip netns exec LAB.dev1 pathmon run` (what `pathmon lab exec` does) so that
 * SIGTERM reaches it directly; the test's local servers are bridged into the namespace by port.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, runCli, uniqueLabName } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../helpers/fake-freshdesk.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startCutProxy, type CutProxy } from '../helpers/tcp-cut-proxy.js';
import { dropSchema, pgUnreachableReason, testPgUrl, uniqueSchemaName, urlThroughPort } from '../helpers/test-postgres.js';
import { startPortBridge, type PortBridge } from '../integration/monitor/netns-port-bridge.js';
import { namespaceName } from '../../lab/lab-plan.js';
import { openStore, type SqlStore } from '../../src/store/index.js';
import type { TransitionRecord } from '../../src/store/records.js';

const lab = uniqueLabName();
const schema = uniqueSchemaName('pmmon');
const intervalMs = 1500;
const testStartMs = Date.now();
const apiKey = `fd-e2e-${process.pid}-secret-key`;
const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces, raw sockets)' : false;
const pgReason = needsRoot ? null : await pgUnreachableReason();
const skip = needsRoot || (pgReason ? `${pgReason}` : false);

const crosses = (names: string[], a: string, b: string) => names.some((name, i) => (name === a && names[i + 1] === b) || (name === b && names[i + 1] === a));

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('pathmon run in the nanog76 lab', { skip }, () => {
  let dir = '';
  let freshdesk: FakeFreshdesk;
  let smtp: SmtpSink;
  let proxy: CutProxy;
  let bridge: PortBridge | null = null;
  let monitor: ChildProcess | null = null;
  let store: SqlStore | null = null;
  let log = '';
  let exit: Promise<number | null>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pathmon-monitor-e2e-'));
    const up = runCli(['lab', 'up', 'lab/topologies/nanog76.yaml', '--name', lab]);
    assert.equal(up.status, 0, `lab up failed: ${up.stderr}`);
    freshdesk = await startFakeFreshdesk({ apiKey });
    smtp = await startSmtpSink();
    proxy = await startCutProxy(Number(new URL(testPgUrl).port || 5432), new URL(testPgUrl).hostname);
    const freshdeskPort = Number(new URL(freshdesk.baseUrl).port);
    bridge = await startPortBridge(namespaceName(lab, 'dev1'), [freshdeskPort, smtp.port, proxy.port]);
    const config = join(dir, 'monitor.yaml');
    writeFileSync(
      config,
      `topology: ${join(repoRoot, 'lab/topologies/nanog76.yaml')}
prober: { node: dev1 }
probing: { intervalMs: ${intervalMs}, probesPerRound: 5, probeSpacingMs: 20, timeoutMs: 600 }
thresholds: { delayMs: 40, lossPct: 20 }
linkThresholds: { lossPct: 2, addedDelayMs: 5 }
hysteresisRounds: 2
groups: [ { name: lab, endpoints: [dev2] } ]
storage: { url: "${urlThroughPort(proxy.port)}", schema: ${schema} }
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:${freshdeskPort}", apiKey: { env: PATHMON_E2E_FD_KEY }, requesterEmail: noc@example.net, maxRetries: 1 }
  email: { host: 127.0.0.1, port: ${smtp.port}, tls: none, from: pathmon@example.net, to: [noc@example.net] }
`,
    );
    monitor = spawn('ip', ['netns', 'exec', namespaceName(lab, 'dev1'), process.execPath, cliPath, 'run', '--config', config, '--data-dir', join(dir, 'data')], {
      cwd: repoRoot,
      env: { ...process.env, PATHMON_E2E_FD_KEY: apiKey },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    monitor.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    exit = new Promise((resolve) => monitor!.once('exit', (code) => resolve(code)));
    await waitFor('8 paths decided UP', () => (log.match(/new -> UP/g) ?? []).length === 8 || (monitor!.exitCode !== null && assert.fail(`monitor exited: ${log}`)));
    store = await openStore(testPgUrl, { schema });
  });

  after(async () => {
    if (monitor && monitor.exitCode === null) {
      monitor.kill('SIGKILL');
      await exit;
    }
    await store?.close().catch(() => undefined);
    await bridge?.close();
    await proxy?.close();
    await smtp?.close();
    await freshdesk?.close();
    runCli(['lab', 'down', '--lab', lab]);
    await dropSchema(schema).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Rounds of one path that started at or after `sinceMs` and no later than `untilMs`. */
  async function roundsBetween(pathId: string, sinceMs: number, untilMs: number): Promise<number> {
    const points = await store!.history(pathId, sinceMs, untilMs, 100_000);
    return points.reduce((sum, point) => sum + point.rounds, 0);
  }

  async function transitionsTo(state: string, sinceMs: number): Promise<TransitionRecord[]> {
    return (await store!.transitions(null, sinceMs)).filter((t) => t.to === state);
  }

  test('R2–R4 impaired: its 4 paths DEGRADED within 3 rounds, one ticket and mail for the link; restored: resolved, mailed', async () => {
    const paths = await store!.paths();
    const crossing = paths.filter((p) => crosses(p.names, 'R2', 'R4'));
    assert.equal(crossing.length, 4);
    const mailsBefore = smtp.messages.length;
    // A delay is blamed on a link against each walk's own healthy baseline, which takes 3 healthy rounds.
    await new Promise((resolve) => setTimeout(resolve, 4 * intervalMs));

    const impairedAtMs = Date.now();
    const impair = runCli(['lab', 'impair', '--lab', lab, 'R2', 'R4', '--delay-ms', '50']);
    assert.equal(impair.status, 0, impair.stderr);
    const degraded = await waitFor('4 DEGRADED transitions', async () => {
      const found = await transitionsTo('DEGRADED', impairedAtMs);
      return found.length >= 4 ? found : null;
    });
    assert.deepEqual(new Set(degraded.map((t) => t.pathId)), new Set(crossing.map((p) => p.id)), 'exactly the paths crossing R2–R4');
    for (const transition of degraded) {
      assert.ok(
        transition.evidence.rounds.every((round) => round.rttP50Ms! > 40),
        transition.reason,
      );
      assert.ok((await roundsBetween(transition.pathId, impairedAtMs, transition.atMs)) <= 3, `${transition.pathId} took more than 3 rounds`);
    }
    const ticket = await waitFor('a ticket naming R2↔R4', () => freshdesk.tickets.find((t) => /R2/.test(t.subject) && /R4/.test(t.subject)));
    assert.match(ticket.subject, /delay/);
    assert.equal(freshdesk.tickets.length, 1, `one ticket for the broken link, none per path: ${freshdesk.tickets.map((t) => t.subject).join(' | ')}`);
    const openedMail = await waitFor('a mail naming R2↔R4', () => smtp.messages.slice(mailsBefore).find((m) => /R2/.test(m.subject) && /R4/.test(m.subject)));
    assert.match(openedMail.subject, /opened/i);

    const restoredAtMs = Date.now();
    const mailsBeforeRestore = smtp.messages.length;
    const clear = runCli(['lab', 'impair', '--lab', lab, 'R2', 'R4', '--clear']);
    assert.equal(clear.status, 0, clear.stderr);
    const recovered = await waitFor('4 UP transitions', async () => {
      const found = (await transitionsTo('UP', restoredAtMs)).filter((t) => t.from === 'DEGRADED');
      return found.length >= 4 ? found : null;
    });
    for (const transition of recovered) assert.ok((await roundsBetween(transition.pathId, restoredAtMs, transition.atMs)) <= 3);
    await waitFor('the ticket resolved', () => freshdesk.tickets.every((t) => t.status === 4 || t.status === 5));
    await waitFor('a resolved mail', () => smtp.messages.slice(mailsBeforeRestore).find((m) => /resolved/i.test(m.subject)));
    assert.equal(freshdesk.tickets.length, 1, 'no duplicate tickets');
  });

  test('the database unreachable for 30 s loses no round; SIGTERM finishes the round, flushes and exits 0', async () => {
    const cutAtMs = Date.now();
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    proxy.restore();
    const restoredAtMs = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2 * intervalMs));
    monitor!.kill('SIGTERM');
    assert.equal(await exit, 0, log);
    const rounds = Number(/stopped after (\d+) round\(s\)/.exec(log)?.[1]);
    assert.ok(rounds > 30_000 / intervalMs, `only ${rounds} rounds`);

    const paths = await store!.paths();
    assert.equal(paths.length, 8);
    for (const path of paths) {
      assert.equal(await roundsBetween(path.id, testStartMs, Date.now()), rounds, `${path.names.join(' ')}: rounds in the database`);
      const duringCut = await roundsBetween(path.id, cutAtMs, restoredAtMs);
      assert.ok(duringCut >= Math.floor(30_000 / intervalMs) - 1, `${path.id}: ${duringCut} rounds stored from the outage`);
    }
    assert.ok(!log.includes(apiKey), 'the API key never appears in the log');
  });
});
