/**
 * `pathmon run` on a live BGP-LS topology in the nanog76 lab, as an engineer runs it: `lab up --bgp-ls`,
 * then `pathmon lab exec dev1 -- pathmon run` with `topology: exabgp:<the spec lab up printed>` and the
 * prober dev1 and endpoint dev2 declared as hosts (BGP-LS describes the routers only; the hosts attach
 * to the routers announcing 10.2.0.0/31 and 10.2.0.2/31). What an operator would check:
 * - all 8 paths dev1 ... dev2 are planned over the learned routers and decided UP;
 * - R4-R6 taken down: exactly the 4 paths crossing it become GONE (never DOWN, and no ticket at the
 *   fake Freshdesk), the other 4 stay UP;
 * - R4-R6 back up: the same 4 paths (same ids) return and are decided UP again;
 * - SIGTERM to `pathmon lab exec` reaches the monitor, which finishes its round and exits 0, and that
 *   exit code comes back through `lab exec`.
 * No timed assertions: waits are bounded generously because OSPF, gobgpd and ExaBGP share 2 cores.
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
import { startPortBridge, type PortBridge } from '../integration/monitor/netns-port-bridge.js';
import { listNamespaces } from '../../lab/ip-command.js';
import { namespaceName } from '../../lab/lab-plan.js';

const lab = uniqueLabName();
const intervalMs = 1500;
const apiKey = `fd-e2e-${process.pid}-bgpls-key`;
const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces, raw sockets)' : false;
/** Generous: the whole chain shares 2 cores with other engineers' builds and tests. */
const WAIT_MS = 90_000;

interface Transition {
  names: string[];
  id: string;
  from: string;
  to: string;
}

/** `monitor: GROUP NAMES (ID): FROM -> TO: reason` lines, as path-monitor.ts logs each stored transition. */
function transitionsIn(log: string): Transition[] {
  return [...log.matchAll(/monitor: lab (.+?) \(([0-9a-f]+)\): (\S+) -> (\S+):/g)].map((m) => ({ names: m[1]!.split(' '), id: m[2]!, from: m[3]!, to: m[4]! }));
}

const crossesR4R6 = (names: string[]) => names.some((name, i) => (name === 'R4' && names[i + 1] === 'R6') || (name === 'R6' && names[i + 1] === 'R4'));

async function waitFor<T>(what: string, check: () => T | null | undefined | false, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("pathmon run on the lab's live BGP-LS topology, with dev1 and dev2 attached as hosts", { skip: needsRoot }, () => {
  let dir = '';
  let freshdesk: FakeFreshdesk | null = null;
  let bridge: PortBridge | null = null;
  let monitor: ChildProcess | null = null;
  let log = '';
  let exit: Promise<number | null> = Promise.resolve(null);
  let upPaths: Transition[] = [];

  const exited = () => monitor !== null && monitor.exitCode !== null && assert.fail(`the monitor exited (${monitor.exitCode}): ${log.slice(-3000)}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pathmon-bgpls-monitor-e2e-'));
    const up = runCli(['lab', 'up', 'lab/topologies/nanog76.yaml', '--name', lab, '--bgp-ls'], { timeoutMs: 150_000 });
    assert.equal(up.status, 0, `lab up --bgp-ls failed: ${up.stderr}`);
    const spec = /topology spec: (exabgp:\S+)/.exec(up.stdout)?.[1];
    assert.ok(spec, `lab up printed no exabgp: spec: ${up.stdout}`);
    freshdesk = await startFakeFreshdesk({ apiKey });
    const freshdeskPort = Number(new URL(freshdesk.baseUrl).port);
    bridge = await startPortBridge(namespaceName(lab, 'dev1'), [freshdeskPort]);
    const config = join(dir, 'monitor.yaml');
    writeFileSync(
      config,
      `topology: ${spec}
prober: { node: dev1 }
hosts:
  - { name: dev1, address: 10.2.0.0/31 }
  - { name: dev2, address: 10.2.0.2/31 }
probing: { intervalMs: ${intervalMs}, probesPerRound: 5, probeSpacingMs: 20, timeoutMs: 600 }
thresholds: { delayMs: 40, lossPct: 20 }
hysteresisRounds: 3
groups: [ { name: lab, endpoints: [dev2] } ]
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:${freshdeskPort}", apiKey: { env: PATHMON_E2E_FD_KEY }, requesterEmail: noc@example.net, maxRetries: 1 }
`,
    );
    // Through `pathmon lab exec`, so the SIGTERM at the end also checks that lab exec passes it on.
    monitor = spawn(process.execPath, [cliPath, 'lab', 'exec', '--lab', lab, 'dev1', '--', 'pathmon', 'run', '--config', config, '--data-dir', join(dir, 'data'), '--wait-ms', String(WAIT_MS)], {
      cwd: repoRoot,
      env: { ...process.env, PATHMON_E2E_FD_KEY: apiKey },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    monitor.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    exit = new Promise((resolve) => monitor!.once('exit', (code) => resolve(code)));
    upPaths = await waitFor('8 paths decided UP', () => {
      exited();
      const up = transitionsIn(log).filter((t) => t.from === 'new' && t.to === 'UP');
      return up.length >= 8 ? up : null;
    });
  });

  after(async () => {
    if (monitor && monitor.exitCode === null) {
      monitor.kill('SIGKILL');
      await exit;
    }
    await bridge?.close();
    await freshdesk?.close();
    // lab down kills whatever still runs inside the lab's namespaces (the monitor, its ExaBGP).
    runCli(['lab', 'down', '--lab', lab], { timeoutMs: 120_000 });
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(
      listNamespaces().filter((namespace) => namespace.startsWith(`${lab}.`)),
      [],
      'lab down left namespaces behind',
    );
  });

  test('the 8 paths run from dev1 over the learned routers to dev2, each decided UP', () => {
    assert.equal(upPaths.length, 8, log.slice(-3000));
    assert.equal(new Set(upPaths.map((p) => p.id)).size, 8);
    for (const path of upPaths) {
      assert.deepEqual([path.names[0], path.names[1]], ['dev1', 'R1'], path.names.join(' '));
      assert.deepEqual(path.names.slice(-2), ['R6', 'dev2'], path.names.join(' '));
    }
    assert.equal(upPaths.filter((p) => crossesR4R6(p.names)).length, 4);
    assert.match(log, /host dev1 \(10\.2\.0\.0\/31\) attached to R1 at 10\.2\.0\.1/);
    assert.match(log, /host dev2 \(10\.2\.0\.2\/31\) attached to R6 at 10\.2\.0\.3/);
  });

  test('R4-R6 down: its 4 paths GONE, never DOWN and no ticket; the other 4 stay UP; up: the same 4 UP again', async () => {
    const crossing = new Set(upPaths.filter((p) => crossesR4R6(p.names)).map((p) => p.id));
    const others = new Set(upPaths.filter((p) => !crossing.has(p.id)).map((p) => p.id));
    const mark = transitionsIn(log).length;

    const down = runCli(['lab', 'impair', '--lab', lab, 'R4', 'R6', '--down']);
    assert.equal(down.status, 0, down.stderr);
    const gone = await waitFor('4 GONE transitions', () => {
      exited();
      const found = transitionsIn(log)
        .slice(mark)
        .filter((t) => t.to === 'GONE');
      return found.length >= 4 ? found : null;
    });
    assert.deepEqual(new Set(gone.map((t) => t.id)), crossing, 'exactly the paths crossing R4-R6');
    assert.ok(
      gone.every((t) => t.from === 'UP'),
      JSON.stringify(gone),
    );
    // Three more rounds with the link down: nothing else may change state.
    const markGone = log.length;
    await new Promise((resolve) => setTimeout(resolve, 3 * intervalMs + 500));
    exited();
    const during = transitionsIn(log).slice(mark);
    assert.deepEqual(
      during.filter((t) => t.to !== 'GONE'),
      [],
      'no path went DOWN or DEGRADED',
    );
    assert.ok(
      during.every((t) => !others.has(t.id)),
      'the other 4 paths stayed UP',
    );
    assert.doesNotMatch(log.slice(markGone), /-> (DOWN|DEGRADED)/);
    assert.deepEqual(freshdesk!.tickets, [], 'a path the topology removed is not a fault: no ticket');

    const markUp = transitionsIn(log).length;
    const up = runCli(['lab', 'impair', '--lab', lab, 'R4', 'R6', '--up']);
    assert.equal(up.status, 0, up.stderr);
    const back = await waitFor('the 4 paths UP again', () => {
      exited();
      const found = transitionsIn(log)
        .slice(markUp)
        .filter((t) => t.from === 'GONE' && t.to === 'UP');
      return found.length >= 4 ? found : null;
    });
    assert.deepEqual(new Set(back.map((t) => t.id)), crossing, 'the same paths, with the same ids');
    assert.deepEqual(
      transitionsIn(log)
        .slice(markUp)
        .filter((t) => t.to !== 'UP'),
      [],
    );
    assert.deepEqual(freshdesk!.tickets, []);
    assert.ok(!log.includes(apiKey), 'the API key never appears in the log');
  });

  test('SIGTERM to `pathmon lab exec` reaches the monitor: it finishes its round, flushes and exits 0', async () => {
    monitor!.kill('SIGTERM');
    assert.equal(await exit, 0, log.slice(-3000));
    assert.match(log, /run: SIGTERM: finishing the round in progress/);
    assert.match(log, /run: stopped after \d+ round\(s\)/);
  });
});
