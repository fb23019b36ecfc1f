/**
 * Drives `pathmon run` with link localization in a real lab and checks what an engineer would: for a
 * fault on one directed link (or both directions), the only new incident names that link and
 * direction within 3 rounds, its estimate is within ±30 % of what the lab applied, it gets one
 * Freshdesk ticket and one mail, and the dashboard's map paints that direction red (amber for delay);
 * when the fault is cleared the incident resolves. The monitor runs inside the prober's namespace; its
 * store is the machine's PostgreSQL, and the fake Freshdesk and SMTP sink are bridged in by port.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, runCli, uniqueLabName } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { dropSchema, testPgUrl, uniqueSchemaName } from '../../helpers/test-postgres.js';
import { startPortBridge, type PortBridge } from '../../integration/monitor/netns-port-bridge.js';
import { namespaceName } from '../../../lab/lab-plan.js';
import { openStore, type SqlStore } from '../../../src/store/index.js';
import type { IncidentRecord } from '../../../src/incidents/index.js';

export const intervalMs = 1000;

export interface LabFault {
  /** What `lab impair` gets after the lab name: `R4 R6 --down --one-way`. */
  impair: string[];
  /** The incident label expected: `R4→R6` or `R2↔R4` (either order of a two-way label is accepted). */
  label: string;
  kind: 'down' | 'loss' | 'delay';
  /** Applied loss (percent) or one-way delay (ms), checked within ±30 %. */
  applied?: number;
}

export interface LocalizeLab {
  lab: string;
  monitorLog(): string;
  /** Applies the faults together, waits for one incident per fault, checks each, clears them and waits for resolution. */
  check(faults: LabFault[]): Promise<void>;
  /** Runs `rounds` rounds with nothing impaired and returns every incident opened meanwhile. */
  quietRounds(rounds: number): Promise<IncidentRecord[]>;
  close(): Promise<void>;
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const sameLabel = (a: string, b: string) => a === b || (a.includes('↔') && b.includes('↔') && new Set(a.split('↔')).size === 2 && a.split('↔').sort().join() === b.split('↔').sort().join());
const labelOf = (incident: IncidentRecord) => incident.subject.label;

/** The map as the dashboard serves it, fetched from inside the namespace the monitor listens in. */
function mapFromNamespace(namespace: string, port: number): { nodes: { id: string; name: string }[]; links: { from: string; to: string; paint?: string }[] } {
  const script = `fetch('http://127.0.0.1:${port}/api/topology').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  const run = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/**
 * Clears a fault in both directions. `--clear` empties the impairment table, but a two-way `--down` also
 * set both veth ends down and flushed the routes over them: `--up` puts those back.
 */
function clearFault(lab: string, fault: LabFault): void {
  const run = runCli(['lab', 'impair', '--lab', lab, fault.impair[0]!, fault.impair[1]!, '--clear', '--up']);
  assert.equal(run.status, 0, run.stderr);
}

export async function startLocalizeLab(options: { topology: string; prober: string; endpoints: string[] }): Promise<LocalizeLab> {
  const lab = uniqueLabName();
  const schema = uniqueSchemaName('pmloc');
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-localize-e2e-'));
  const apiKey = `fd-localize-${process.pid}-secret`;
  const listenPort = 19000 + (process.pid % 1000);
  const proberNamespace = namespaceName(lab, options.prober);
  let freshdesk: FakeFreshdesk | null = null;
  let smtp: SmtpSink | null = null;
  let bridge: PortBridge | null = null;
  let monitor: ChildProcess | null = null;
  let store: SqlStore | null = null;
  let log = '';
  let exit: Promise<number | null> = Promise.resolve(null);

  const close = async () => {
    if (monitor && monitor.exitCode === null) {
      monitor.kill('SIGKILL');
      await exit;
    }
    await store?.close().catch(() => undefined);
    await bridge?.close();
    await smtp?.close();
    await freshdesk?.close();
    runCli(['lab', 'down', '--lab', lab]);
    await dropSchema(schema).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const up = runCli(['lab', 'up', options.topology, '--name', lab], { timeoutMs: 120_000 });
    assert.equal(up.status, 0, `lab up failed: ${up.stderr}`);
    freshdesk = await startFakeFreshdesk({ apiKey });
    smtp = await startSmtpSink();
    const pgPort = Number(new URL(testPgUrl).port || 5432);
    const freshdeskPort = Number(new URL(freshdesk.baseUrl).port);
    const namespace = proberNamespace;
    bridge = await startPortBridge(namespace, [freshdeskPort, smtp.port, pgPort]);
    const config = join(dir, 'monitor.yaml');
    writeFileSync(
      config,
      `topology: ${join(repoRoot, options.topology)}
prober: { node: ${options.prober} }
probing: { intervalMs: ${intervalMs}, probesPerRound: 10, probeSpacingMs: 10, timeoutMs: 250 }
localize: { coverage: 2, probesPerWalk: 200, probeSpacingMs: 1 }
linkThresholds: { lossPct: 2, addedDelayMs: 1 }
thresholds: { delayMs: 500, lossPct: 50 }
hysteresisRounds: 3
groups: [ { name: lab, endpoints: [${options.endpoints.join(', ')}] } ]
storage: { url: "${testPgUrl}", schema: ${schema} }
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:${freshdeskPort}", apiKey: { env: PATHMON_E2E_FD_KEY }, requesterEmail: noc@example.net, maxRetries: 1 }
  email: { host: 127.0.0.1, port: ${smtp.port}, tls: none, from: pathmon@example.net, to: [noc@example.net] }
`,
    );
    monitor = spawn('ip', ['netns', 'exec', namespace, process.execPath, cliPath, 'run', '--config', config, '--data-dir', join(dir, 'data'), '--listen', `127.0.0.1:${listenPort}`], {
      cwd: repoRoot,
      env: { ...process.env, PATHMON_E2E_FD_KEY: apiKey },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    monitor.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const child = monitor;
    exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('the monitor probing walks', () => /cover walk\(s\)/.test(log) || (child.exitCode !== null && assert.fail(`monitor exited: ${log}`)), 60_000);
    store = await openStore(testPgUrl, { schema });
  } catch (error) {
    await close();
    throw error;
  }
  const opened = store;
  const fd = freshdesk;
  const mail = smtp;

  /** Rounds the monitor started in [sinceMs, untilMs], from its stored walk results. */
  const roundsBetween = async (sinceMs: number, untilMs: number) => new Set((await opened.routeResults(sinceMs, untilMs)).map((row) => row.roundAtMs)).size;

  return {
    lab,
    monitorLog: () => log,
    async quietRounds(rounds) {
      const sinceMs = Date.now();
      await new Promise((resolve) => setTimeout(resolve, rounds * intervalMs));
      return opened.incidents(sinceMs, Date.now());
    },
    async check(faults) {
      try {
        await checkFaults(faults);
      } catch (error) {
        // A failed check must not leave its fault behind for the next one.
        for (const fault of faults) clearFault(lab, fault);
        // What the monitor said is the first thing anyone debugging this needs.
        const tail = log
          .split('\n')
          .filter((line) => /incident|estimate|WARN|warn/.test(line))
          .slice(-25)
          .join('\n');
        throw new Error(`${(error as Error).message}\n--- monitor log (incident lines, last 25) ---\n${tail}`);
      }
    },
    close,
  };

  async function checkFaults(faults: LabFault[]): Promise<void> {
    {
      const faultAtMs = Date.now();
      const ticketsBefore = fd.tickets.length;
      const mailsBefore = mail.messages.length;
      for (const fault of faults) {
        const impair = runCli(['lab', 'impair', '--lab', lab, ...fault.impair]);
        assert.equal(impair.status, 0, impair.stderr);
      }
      const incidents = await waitFor(
        `${faults.length} incident(s) ${faults.map((f) => f.label).join(', ')}`,
        async () => {
          const found = (await opened.incidents(faultAtMs, Date.now())).filter((i) => i.openedAtMs >= faultAtMs);
          return found.length >= faults.length ? found : null;
        },
        8 * intervalMs + 20_000,
      );
      // A moment more, so a wrong extra incident would show too.
      await new Promise((resolve) => setTimeout(resolve, 2 * intervalMs));
      // A fault that lands mid-round can first show as partial loss on one direction; the incident then
      // widens by update (both directions, loss → down) within a few rounds: wait for each to be named.
      const all = await waitFor(
        `incidents naming ${faults.map((f) => `${f.label} (${f.kind})`).join(', ')}`,
        async () => {
          const found = (await opened.incidents(faultAtMs, Date.now())).filter((i) => i.openedAtMs >= faultAtMs);
          return faults.every((fault) => found.some((i) => sameLabel(labelOf(i), fault.label) && i.kind === fault.kind)) ? found : null;
        },
        6 * intervalMs + 10_000,
      ).catch(async () => (await opened.incidents(faultAtMs, Date.now())).filter((i) => i.openedAtMs >= faultAtMs));
      assert.equal(all.length, faults.length, `incidents: ${all.map((i) => i.summary).join(' | ')}`);
      for (const fault of faults) {
        const incident = all.find((i) => sameLabel(labelOf(i), fault.label));
        assert.ok(incident, `no incident names ${fault.label}: ${all.map((i) => i.summary).join(' | ')}`);
        assert.equal(incident.kind, fault.kind, incident.summary);
        const rounds = await roundsBetween(faultAtMs, incident.openedAtMs);
        assert.ok(rounds <= 3 + 1, `${fault.label}: opened after ${rounds} rounds (a fault can land mid-round)`);
        if (fault.applied !== undefined) {
          const estimate = fault.kind === 'loss' ? incident.lossPct! : incident.addedDelayMs!;
          assert.ok(Math.abs(estimate - fault.applied) <= 0.3 * fault.applied, `${fault.label}: estimated ${estimate}, applied ${fault.applied} (${incident.summary})`);
        }
      }
      await waitFor(`${faults.length} ticket(s)`, () => fd.tickets.length >= ticketsBefore + faults.length, 20_000);
      assert.equal(fd.tickets.length, ticketsBefore + faults.length, 'one ticket per incident');
      for (const fault of faults) {
        const label = fault.label.includes('↔') ? fault.label.split('↔') : [fault.label];
        assert.ok(
          fd.tickets.slice(ticketsBefore).some((t) => label.every((part) => t.subject.includes(part))),
          `no ticket names ${fault.label}`,
        );
      }
      await waitFor('mails', () => mail.messages.length >= mailsBefore + faults.length, 20_000);
      assert.equal(mail.messages.slice(mailsBefore).filter((m) => /opened/i.test(m.subject)).length, faults.length, 'one mail per incident opened');

      const map = mapFromNamespace(proberNamespace, listenPort);
      const nameOf = new Map(map.nodes.map((node) => [node.id, node.name]));
      const paintOf = (from: string, to: string) => map.links.filter((link) => nameOf.get(link.from) === from && nameOf.get(link.to) === to).map((link) => link.paint);
      for (const fault of faults) {
        const [a, b] = [fault.impair[0]!, fault.impair[1]!];
        const colour = fault.kind === 'delay' ? 'amber' : 'red';
        assert.ok(paintOf(a, b).includes(colour), `map: ${a}→${b} should be ${colour}, is ${paintOf(a, b).join(',')}`);
        const reverse = paintOf(b, a);
        if (fault.impair.includes('--one-way')) assert.ok(!reverse.includes(colour), `map: ${b}→${a} should not be ${colour} for a one-way fault`);
        else assert.ok(reverse.includes(colour), `map: ${b}→${a} should be ${colour} too`);
      }
      for (const fault of faults) clearFault(lab, fault);
      await waitFor(
        'incidents resolved',
        async () => {
          const now = await Promise.all(all.map((i) => opened.incident(i.id)));
          return now.every((i) => i?.state === 'resolved');
        },
        8 * intervalMs + 20_000,
      );
    }
  }
}
