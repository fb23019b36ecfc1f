/**
 * ICMP and TCP targets in the nanog76 lab, with `pathmon run` inside dev1 as an operator would run it:
 * no GRE paths, only a `targets:` section. dev2 serves a real TCP listener on one port, has nothing on
 * another (the kernel answers RST) and drops a third with nftables. What an engineer checks:
 * - ICMP to a router (R4's address on R2–R4) and to dev2 is UP; TCP to the open port is UP with an RTT;
 *   the closed port is UP too (the RST proves the host reachable) with every probe counted refused in
 *   /metrics; the dropped port is DOWN (loss) from its first decision, with one ticket and one mail;
 * - `lab impair R4 R6 --delay-ms 30`: dev2 is behind R4–R6 (dev1 reaches it over R1→R2→R4→R6), R4's
 *   address on R2–R4 is not, so the per-round p50 of exactly the dev2 targets grows by the delay;
 * - the open port dropped mid-run: that target goes DOWN with one ticket and one mail; the drop lifted,
 *   it is UP, and its ticket and incident are resolved once each;
 * - SIGTERM: exit 0, and the store (PGlite, read after the monitor stopped) has every round of every
 *   target and exactly the transitions seen;
 * - the network-telemetry seed's targets.yaml shapes load through `run --targets` as they are, and a
 *   malformed one is refused naming the file, the line and the key.
 * The web API is reached through a forward into dev1 (its loopback is the namespace's own); the fake
 * Freshdesk and the SMTP sink are bridged into dev1 by port.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlTopology } from '../../topology/index.js';
import { cliPath, runCli, uniqueLabName } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../helpers/fake-freshdesk.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startPortBridge, type PortBridge } from '../integration/monitor/netns-port-bridge.js';
import { namespaceName } from '../../lab/lab-plan.js';
import { forwardIntoNamespace, type NamespaceForward } from '../../lab/lab-forward.js';
import { openStore } from '../../src/store/index.js';
import { targetRouteId } from '../../src/targets/index.js';

const lab = uniqueLabName();
const topologyFile = 'lab/topologies/nanog76.yaml';
const intervalMs = 1500;
const delayMs = 30;
const apiKey = `fd-targets-${process.pid}-secret-key`;
const listenPort = 18080;
const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces, raw sockets, nftables)' : false;
const spec = parseYamlTopology(readFileSync(join(repoRoot, topologyFile), 'utf8'), topologyFile).spec;

/** The address `node` has on its link to `peer`, from the topology file. */
function addressOf(node: string, peer: string): string {
  const link = spec.links.find((candidate) => (candidate.a === node && candidate.b === peer) || (candidate.a === peer && candidate.b === node));
  assert.ok(link, `${topologyFile} links ${node} and ${peer}`);
  return (link.a === node ? link.aAddress : link.bAddress).split('/')[0]!;
}

const dev2 = addressOf('dev2', 'R6');
/** R4's address on R2–R4: dev1 reaches it over R1→R2, and R4 answers it itself, so R4–R6 is not on the way. */
const r4 = addressOf('R4', 'R2');
const ports = { open: 7070, closed: 7071, dropped: 7072 };

interface Target {
  name: string;
  id: string;
  /** Whether dev1's route to it crosses R4–R6. */
  behindR4R6: boolean;
}

const icmpGroup = 'lab-icmp';
const tcpGroup = 'lab-tcp';
const targets = {
  icmpR4: { name: `icmp ${r4}`, id: targetRouteId(icmpGroup, 'icmp', r4, null), behindR4R6: false },
  icmpDev2: { name: `icmp ${dev2}`, id: targetRouteId(icmpGroup, 'icmp', dev2, null), behindR4R6: true },
  tcpOpen: { name: `tcp ${dev2}:${ports.open}`, id: targetRouteId(tcpGroup, 'tcp', dev2, ports.open), behindR4R6: true },
  tcpClosed: { name: `tcp ${dev2}:${ports.closed}`, id: targetRouteId(tcpGroup, 'tcp', dev2, ports.closed), behindR4R6: true },
  tcpDropped: { name: `tcp ${dev2}:${ports.dropped}`, id: targetRouteId(tcpGroup, 'tcp', dev2, ports.dropped), behindR4R6: true },
} satisfies Record<string, Target>;
/** The targets that answer (the dropped port has no RTT to compare). */
const answering: Target[] = [targets.icmpR4, targets.icmpDev2, targets.tcpOpen, targets.tcpClosed];

interface PathRow {
  id: string;
  state: string;
  last: { atMs: number; sent: number; received: number; lossPct: number; p50Ms: number | null } | null;
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Runs an nftables script in a lab node's namespace (its tables go away with the namespace). */
function nft(node: string, script: string): void {
  const run = spawnSync('ip', ['netns', 'exec', namespaceName(lab, node), 'nft', '-f', '-'], { input: script, encoding: 'utf8', timeout: 20_000 });
  assert.ok(!/exec of "nft" failed/.test(run.stderr ?? ''), 'nft is missing; expected the nftables package (lab/install-deps.sh)');
  assert.equal(run.status, 0, `nft in ${node} failed: ${run.stderr}\n${script}`);
}

const dropPort = (table: string, port: number) => `table inet ${table} {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport ${port} drop
  }
}
`;

function impair(...args: string[]): void {
  const run = runCli(['lab', 'impair', '--lab', lab, ...args]);
  assert.equal(run.status, 0, `lab impair ${args.join(' ')} failed: ${run.stderr}`);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Mails and tickets whose subject names `target` (the tcp port's label is unique among the targets). */
const naming = (subject: string, target: Target) => subject.includes(target.name.replace(/^\w+ /, ''));

describe('ICMP and TCP targets in the nanog76 lab', { skip: needsRoot }, () => {
  let dir = '';
  let freshdesk: FakeFreshdesk;
  let smtp: SmtpSink;
  let bridge: PortBridge | null = null;
  let forward: NamespaceForward | null = null;
  let listener: ChildProcess | null = null;
  let monitor: ChildProcess | null = null;
  let log = '';
  let exit: Promise<number | null> = Promise.resolve(null);
  const hostsDir = join('/etc/netns', namespaceName(lab, 'dev1'));

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${forward!.port}${path}`);
    assert.equal(response.status, 200, `GET ${path}: ${response.status} ${await response.clone().text()}`);
    return (path === '/metrics' ? await response.text() : await response.json()) as T;
  };
  const rows = async () => new Map((await api<{ paths: PathRow[] }>('/api/paths')).paths.map((row) => [row.id, row]));
  const rounds = async () => (await api<{ counters: { rounds: number } }>('/api/status')).counters.rounds;
  const waitRounds = async (count: number) => {
    const start = await rounds();
    await waitFor(`${count} more round(s)`, async () => (await rounds()) >= start + count, count * intervalMs + 60_000);
  };

  /** The median over `count` rounds started after `sinceMs` of each answering target's per-round p50. */
  async function p50s(sinceMs: number, count: number): Promise<Map<Target, number>> {
    const seen = new Map<Target, Map<number, number>>(answering.map((target) => [target, new Map()]));
    await waitFor(
      `${count} rounds of every answering target after ${new Date(sinceMs).toISOString()}`,
      async () => {
        const now = await rows();
        for (const target of answering) {
          const last = now.get(target.id)?.last;
          if (last && last.atMs > sinceMs && last.p50Ms !== null) seen.get(target)!.set(last.atMs, last.p50Ms);
        }
        return [...seen.values()].every((byRound) => byRound.size >= count);
      },
      count * intervalMs * 3 + 60_000,
    );
    return new Map([...seen].map(([target, byRound]) => [target, median([...byRound.values()])]));
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pathmon-targets-e2e-'));
    const up = runCli(['lab', 'up', topologyFile, '--lab', lab], { timeoutMs: 120_000 });
    assert.equal(up.status, 0, `lab up failed: ${up.stderr}`);

    // A real server behind the network on the open port; nothing on the closed one; the dropped one filtered.
    listener = spawn(
      'ip',
      ['netns', 'exec', namespaceName(lab, 'dev2'), process.execPath, '-e', `require('node:net').createServer((s) => s.destroy()).listen(${ports.open}, () => console.log('listening'))`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      listener!.stdout!.once('data', () => resolve());
      listener!.once('exit', (code) => reject(new Error(`the TCP listener in dev2 exited with ${code}`)));
    });
    nft('dev2', dropPort('pathmon_e2e_filtered', ports.dropped));

    freshdesk = await startFakeFreshdesk({ apiKey });
    smtp = await startSmtpSink();
    const freshdeskPort = Number(new URL(freshdesk.baseUrl).port);
    bridge = await startPortBridge(namespaceName(lab, 'dev1'), [freshdeskPort, smtp.port]);
    const config = join(dir, 'monitor.yaml');
    writeFileSync(
      config,
      `topology: ${join(repoRoot, topologyFile)}
prober: { node: dev1 }
probing: { intervalMs: ${intervalMs}, probesPerRound: 5, probeSpacingMs: 20, timeoutMs: 600 }
# Far above the lab's RTTs with the delay: the delay is measured here, not alerted on.
thresholds: { delayMs: 500, lossPct: 50 }
hysteresisRounds: 2
localize: { enabled: false }
targets:
  - { name: ${icmpGroup}, kind: icmp, targets: [${r4}, ${dev2}] }
  - { name: ${tcpGroup}, kind: tcp, targets: ["${dev2}:${ports.open}", "${dev2}:${ports.closed}", "${dev2}:${ports.dropped}"] }
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:${freshdeskPort}", apiKey: { env: PATHMON_E2E_FD_KEY }, requesterEmail: noc@example.net, maxRetries: 1 }
  email: { host: 127.0.0.1, port: ${smtp.port}, tls: none, from: pathmon@example.net, to: [noc@example.net] }
`,
    );
    monitor = spawn('ip', ['netns', 'exec', namespaceName(lab, 'dev1'), process.execPath, cliPath, 'run', '--config', config, '--data-dir', join(dir, 'data'), '--listen', `127.0.0.1:${listenPort}`], {
      cwd: repoRoot,
      env: { ...process.env, PATHMON_E2E_FD_KEY: apiKey },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    monitor.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const child = monitor;
    exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const alive = () => child.exitCode !== null && assert.fail(`the monitor exited with ${child.exitCode}: ${log}`);
    try {
      await waitFor('the dashboard listening', () => log.includes(`http://127.0.0.1:${listenPort}`) || alive(), 120_000);
      forward = await forwardIntoNamespace(namespaceName(lab, 'dev1'), listenPort, { listenPort: 0 });
      await waitFor('every target decided', () => ((log.match(/new -> (UP|DOWN)/g) ?? []).length >= 5 ? true : alive()), 120_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- monitor log ---\n${log}`);
    }
  });

  after(async () => {
    if (monitor && monitor.exitCode === null) {
      monitor.kill('SIGKILL');
      await exit;
    }
    listener?.kill('SIGKILL');
    await forward?.close().catch(() => undefined);
    await bridge?.close();
    await smtp?.close();
    await freshdesk?.close();
    runCli(['lab', 'down', '--lab', lab]);
    rmSync(hostsDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('ICMP targets and the open and closed ports are UP with RTTs, the closed one refused; the dropped port is DOWN with one ticket and mail', async () => {
    const now = await rows();
    for (const target of answering) {
      const row = now.get(target.id);
      assert.ok(row, `${target.name} (${target.id}) is listed by /api/paths`);
      assert.equal(row.state, 'UP', `${target.name}: ${JSON.stringify(row)}`);
      assert.ok(row.last && row.last.received > 0, `${target.name} answered nothing: ${JSON.stringify(row.last)}`);
      assert.ok(row.last.p50Ms! > 0 && row.last.p50Ms! < 100, `${target.name}: p50 ${row.last.p50Ms} ms`);
    }
    const dropped = now.get(targets.tcpDropped.id);
    assert.equal(dropped?.state, 'DOWN', JSON.stringify(dropped));
    assert.equal(dropped.last?.lossPct, 100);
    assert.equal(dropped.last?.p50Ms, null);

    const metrics = await api<string>('/metrics');
    const refused = (target: Target) => {
      const line = metrics.split('\n').find((l) => l.startsWith('pathmon_target_refused_ratio{') && l.includes(`path_id="${target.id}"`));
      assert.ok(line, `no pathmon_target_refused_ratio for ${target.name} in /metrics`);
      return Number(line.split(' ').at(-1));
    };
    assert.equal(refused(targets.tcpClosed), 1, 'every probe to the closed port is answered by RST');
    assert.equal(refused(targets.tcpOpen), 0, 'the open port answers SYN/ACK, never RST');
    assert.equal(refused(targets.tcpDropped), 0, 'the dropped port answers nothing');

    await waitFor('a ticket for the dropped port', () => freshdesk.tickets.find((t) => naming(t.subject, targets.tcpDropped)));
    await waitFor('a mail for the dropped port', () => smtp.messages.find((m) => naming(m.subject, targets.tcpDropped)));
    assert.equal(freshdesk.tickets.length, 1, `tickets: ${freshdesk.tickets.map((t) => t.subject).join(' | ')}`);
    assert.equal(smtp.messages.length, 1, `mails: ${smtp.messages.map((m) => m.subject).join(' | ')}`);
    assert.match(smtp.messages[0]!.subject, /opened/i);
  });

  test(`lab impair R4 R6 --delay-ms ${delayMs}: the p50 of exactly the targets behind R4–R6 grows by the delay`, async (t) => {
    const before = await p50s(Date.now(), 5);
    const impairedAtMs = Date.now();
    impair('R4', 'R6', '--delay-ms', String(delayMs));
    let impaired: Map<Target, number>;
    try {
      impaired = await p50s(impairedAtMs, 5);
    } finally {
      impair('R4', 'R6', '--clear');
    }
    for (const target of answering) {
      const added = impaired.get(target)! - before.get(target)!;
      t.diagnostic(`${target.name}: p50 ${before.get(target)!.toFixed(3)} ms before, ${impaired.get(target)!.toFixed(3)} ms with R4–R6 delayed (+${added.toFixed(3)} ms)`);
      if (target.behindR4R6) {
        // The requests cross R4→R6; the replies may come back over R6→R4 (another 30 ms) or R6→R5.
        assert.ok(added >= delayMs - 1 && added < 2 * delayMs + 15, `${target.name}: added ${added.toFixed(3)} ms, expected ${delayMs} to ${2 * delayMs} ms`);
      } else {
        assert.ok(Math.abs(added) < 10, `${target.name} is not behind R4–R6 but its p50 moved by ${added.toFixed(3)} ms`);
      }
    }
    const states = await rows();
    for (const target of answering) assert.equal(states.get(target.id)?.state, 'UP', `${target.name}: a delay under the threshold leaves it UP`);
    assert.equal(freshdesk.tickets.length, 1, 'no ticket for a delay under the threshold');
  });

  test('the open port dropped: one ticket and one mail for it; lifted: UP, the ticket and incident resolved once', async () => {
    const ticketsBefore = freshdesk.tickets.length;
    const mailsBefore = smtp.messages.length;
    nft('dev2', dropPort('pathmon_e2e_outage', ports.open));
    let lifted = false;
    try {
      await waitFor('the open port DOWN', async () => (await rows()).get(targets.tcpOpen.id)?.state === 'DOWN', 20 * intervalMs + 30_000);
      const ticket = await waitFor('its ticket', () => freshdesk.tickets.slice(ticketsBefore).find((t) => naming(t.subject, targets.tcpOpen)));
      await waitFor('its mail', () => smtp.messages.slice(mailsBefore).find((m) => naming(m.subject, targets.tcpOpen)));
      // Rounds more while DOWN: nothing new may be sent for the same outage.
      await waitRounds(3);
      assert.deepEqual(
        freshdesk.tickets.slice(ticketsBefore).map((t) => t.subject),
        [ticket.subject],
        'one ticket for the target, none for the others',
      );
      const opened = smtp.messages.slice(mailsBefore);
      assert.equal(opened.length, 1, `one mail: ${opened.map((m) => m.subject).join(' | ')}`);
      assert.ok(naming(opened[0]!.subject, targets.tcpOpen) && /opened/i.test(opened[0]!.subject), opened[0]!.subject);

      nft('dev2', 'delete table inet pathmon_e2e_outage\n');
      lifted = true;
      await waitFor('the open port UP again', async () => (await rows()).get(targets.tcpOpen.id)?.state === 'UP', 20 * intervalMs + 30_000);
      await waitFor('its ticket resolved', () => [4, 5].includes(freshdesk.ticket(ticket.id)!.status), 30_000);
      await waitFor('a resolved mail', () => smtp.messages.slice(mailsBefore + 1).find((m) => naming(m.subject, targets.tcpOpen) && /resolved/i.test(m.subject)), 30_000);
      await waitRounds(3);
      const resolving = freshdesk.ticket(ticket.id)!.updates.filter((update) => update.status === 4 || update.status === 5);
      assert.equal(resolving.length, 1, `one resolve of the ticket: ${JSON.stringify(freshdesk.ticket(ticket.id)!.updates)}`);
      assert.equal(
        smtp.messages.length,
        mailsBefore + 2,
        `one mail opened, one resolved: ${smtp.messages
          .slice(mailsBefore)
          .map((m) => m.subject)
          .join(' | ')}`,
      );
      assert.equal(freshdesk.tickets.length, ticketsBefore + 1, 'no second ticket');
      const droppedTicket = freshdesk.tickets.find((t) => naming(t.subject, targets.tcpDropped))!;
      assert.equal(droppedTicket.status, 2, 'the dropped port is still DOWN: its ticket stays open');
    } finally {
      if (!lifted) nft('dev2', 'delete table inet pathmon_e2e_outage\n');
    }
  });

  test('SIGTERM: exit 0; the store has every round of every target and the transitions seen', async () => {
    monitor!.kill('SIGTERM');
    assert.equal(await exit, 0, log);
    const roundCount = Number(/stopped after (\d+) round\(s\)/.exec(log)?.[1]);
    assert.ok(roundCount > 20, `only ${roundCount} rounds: ${log}`);
    const store = await openStore(`pglite:${join(dir, 'data', 'db')}`, { mode: 'read' });
    try {
      const stored = new Map((await store.paths()).map((path) => [path.id, path]));
      for (const target of Object.values(targets)) {
        assert.ok(stored.has(target.id), `${target.name} is stored`);
        const points = await store.history(target.id, 0, Date.now(), 100_000);
        assert.equal(
          points.reduce((sum, point) => sum + point.rounds, 0),
          roundCount,
          `${target.name}: every round stored`,
        );
      }
      const moves = async (target: Target) => (await store.transitions(target.id, 0)).map((tr) => `${tr.from ?? 'new'}->${tr.to}`);
      assert.deepEqual(await moves(targets.tcpOpen), ['new->UP', 'UP->DOWN', 'DOWN->UP']);
      assert.deepEqual(await moves(targets.tcpDropped), ['new->DOWN']);
      for (const target of [targets.icmpR4, targets.icmpDev2, targets.tcpClosed]) assert.deepEqual(await moves(target), ['new->UP'], target.name);
      // One incident per outage: the open port's resolved, the dropped port's still open; none for the delay.
      const incidents = await store.incidents(0, Date.now());
      const about = (target: Target) => incidents.filter((incident) => incident.subjectKey === `path:${target.id}`);
      assert.equal(incidents.length, 2, incidents.map((incident) => incident.summary).join(' | '));
      assert.deepEqual(
        about(targets.tcpOpen).map((incident) => [incident.kind, incident.state]),
        [['down', 'resolved']],
      );
      assert.deepEqual(
        about(targets.tcpDropped).map((incident) => [incident.kind, incident.state]),
        [['down', 'open']],
      );
    } finally {
      await store.close();
    }
    assert.ok(!log.includes(apiKey), 'the API key never appears in the log');
  });

  test("the telemetry seed's targets.yaml shapes (ping and TCP files, same environment names) load through run --targets", async () => {
    // Inside dev1, the seed's DNS names resolve through this namespace's own hosts file (`ip netns exec`
    // mounts /etc/netns/NS/hosts over /etc/hosts) to lab addresses, so no query leaves the lab; the
    // seed's addresses are outside the lab and their probes die at R1.
    mkdirSync(hostsDir, { recursive: true });
    writeFileSync(join(hostsDir, 'hosts'), `127.0.0.1 localhost\n${r4} gw1.example.net\n${dev2} db1.example.net app1.example.net\n`);
    const files = ['seed-ping.yaml', 'seed-tcp.yaml'].map((name) => join(repoRoot, 'test/fixtures/targets', name));
    const config = join(dir, 'seed.yaml');
    writeFileSync(
      config,
      `topology: ${join(repoRoot, topologyFile)}\nprober: { node: dev1 }\nprobing: { intervalMs: 2000, probesPerRound: 2, probeSpacingMs: 20, timeoutMs: 500 }\nlocalize: { enabled: false }\n`,
    );
    const dataDir = join(dir, 'seed-data');
    const run = spawnSync(
      'ip',
      ['netns', 'exec', namespaceName(lab, 'dev1'), process.execPath, cliPath, 'run', '--config', config, '--data-dir', dataDir, '--rounds', '1', ...files.flatMap((file) => ['--targets', file])],
      { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /8 ICMP\/TCP\/UDP target\(s\)/);
    const store = await openStore(`pglite:${join(dataDir, 'db')}`, { mode: 'read' });
    try {
      const stored = await store.paths();
      const expected = [
        targetRouteId('prem_lon', 'icmp', '10.2.0.9', null),
        targetRouteId('prem_lon', 'icmp', '10.2.0.10', null),
        targetRouteId('prem_lon', 'icmp', 'gw1.example.net', null),
        targetRouteId('aws_eu', 'icmp', '172.31.0.10', null),
        targetRouteId('prem_lon', 'tcp', 'db1.example.net', 3306),
        targetRouteId('prem_lon', 'tcp', '10.2.0.9', 22),
        targetRouteId('aws_eu', 'tcp', 'app1.example.net', 443),
        targetRouteId('aws_eu', 'tcp', '172.31.0.10', 8080),
      ];
      assert.deepEqual(new Set(stored.map((path) => path.id)), new Set(expected), stored.map((path) => path.names.join(' ')).join(' | '));
      // A name is resolved each round and the address recorded; the lab address answers, the rest are lost.
      const gw = stored.find((path) => path.id === expected[2])!;
      assert.deepEqual(gw.hops, [r4], JSON.stringify(gw));
      const gwRound = await store.history(gw.id, 0, Date.now());
      assert.equal(gwRound[0]?.lossPct, 0, JSON.stringify(gwRound));
      const outside = await store.history(expected[0]!, 0, Date.now());
      assert.equal(outside[0]?.lossPct, 100, JSON.stringify(outside));
    } finally {
      await store.close();
    }
  });

  test('a malformed targets.yaml is refused naming the file, the line and the key', () => {
    const file = join(repoRoot, 'test/fixtures/targets/malformed-port.yaml');
    const config = join(dir, 'malformed.yaml');
    writeFileSync(config, `topology: ${join(repoRoot, topologyFile)}\nprober: { node: dev1 }\n`);
    const run = runCli(['run', '--config', config, '--data-dir', join(dir, 'malformed-data'), '--rounds', '1', '--targets', file]);
    assert.notEqual(run.status, 0, run.stdout);
    // Line 5 holds `app1.example.net: https` under aws_eu.
    assert.match(run.stderr, /malformed-port\.yaml:5\b.*aws_eu\.app1\.example\.net.*"https"/, run.stderr);
  });
});
