/**
 * Syslog in, remediation out, in the nanog76 lab with real FRR: `lab up --bgp-ls --syslog 10.2.0.0:PORT`
 * runs ospfd in every router and forwards each router's ospfd log through util-linux `logger` (inside
 * the router's namespace) to `pathmon run` in dev1, which listens with `syslog: { tcp }`. What an
 * operator would check:
 * - R4–R6 delayed: one link incident for R4↔R6 and its ticket; the isolation rule runs its isolate
 *   command (lab/remediate/ospf-cost.js, OSPF cost 65535 through vtysh) exactly once and opens the
 *   data-center ticket;
 * - R4–R6 then taken down (`lab impair R4 R6 --down`): ospfd on R4 and on R6 log the adjacency going
 *   from Full to Deleted; both events reach pathmon over syslog, are stored, attached to the R4↔R6
 *   incident and appear as a note on its ticket;
 * - the link back up: the adjacency returns with the isolated cost, and BGP-LS (gobgpd → ExaBGP in dev1)
 *   carries metric 65535 for R4↔R6 in both directions;
 * - the data-center ticket resolved in the fake Freshdesk: the restore command runs once, the probes
 *   re-verify the link and the isolation closes.
 *
 * Why delay before down: the incident must be open when the adjacency events arrive (they are matched
 * to open incidents as they arrive), and a delay leaves OSPF up, so the link's incident opens from the
 * probes alone. The monitor reads the lab's topology file, not BGP-LS: on a BGP-LS topology a downed
 * link is withdrawn, its paths become GONE and no incident opens at all (monitor-bgp-ls.test.ts). R6
 * reaches dev1 across R4–R6, so R6's events wait in its TCP connection until the link is up again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cliPath, runCli, uniqueLabName } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../helpers/fake-freshdesk.js';
import { dropSchema, pgUnreachableReason, testPgUrl, uniqueSchemaName } from '../helpers/test-postgres.js';
import { startPortBridge, type PortBridge } from '../integration/monitor/netns-port-bridge.js';
import { listNamespaces } from '../../lab/ip-command.js';
import { namespaceName } from '../../lab/lab-plan.js';

const lab = uniqueLabName();
const schema = uniqueSchemaName('pmsyslog');
const intervalMs = 1500;
const syslogPort = 5514;
const apiKey = `fd-e2e-${process.pid}-syslog-key`;
const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces, raw sockets, FRR)' : false;
const pgReason = needsRoot ? null : await pgUnreachableReason();
const skip = needsRoot || (pgReason ? `${pgReason}` : false);
/** Generous: FRR, gobgpd, the monitor and other engineers' builds share 2 cores. */
const WAIT_MS = 90_000;
const ospfCostJs = join(repoRoot, 'dist', 'lab', 'remediate', 'ospf-cost.js');
const ADJ_DOWN = /AdjChg: .*Full -> (Down|Deleted)/;

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface IsolationRow {
  id: string;
  state: string;
  incident_id: string;
  ticket_id: string | null;
  isolate_run_id: string | null;
  restore_run_id: string | null;
  outcome: string | null;
}

describe('FRR logs over syslog to pathmon, attached to the link incident; the isolation loop closes', { skip }, () => {
  let dir = '';
  let spec = '';
  let freshdesk: FakeFreshdesk;
  let bridge: PortBridge | null = null;
  let monitor: ChildProcess | null = null;
  let db: pg.Client | null = null;
  let log = '';
  let exit: Promise<number | null> = Promise.resolve(null);

  const alive = () => monitor !== null && monitor.exitCode !== null && assert.fail(`the monitor exited (${monitor.exitCode}): ${log.slice(-3000)}`);
  const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    alive();
    return (await db!.query(sql, params)).rows as T[];
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pathmon-syslog-e2e-'));
    const up = runCli(['lab', 'up', 'lab/topologies/nanog76.yaml', '--lab', lab, '--bgp-ls', '--syslog', `10.2.0.0:${syslogPort}`], { timeoutMs: 150_000 });
    assert.equal(up.status, 0, `lab up --bgp-ls --syslog failed: ${up.stderr}`);
    spec = /topology spec: (exabgp:\S+)/.exec(up.stdout)?.[1] ?? '';
    assert.ok(spec, up.stdout);
    freshdesk = await startFakeFreshdesk({ apiKey });
    const freshdeskPort = Number(new URL(freshdesk.baseUrl).port);
    const pgUrl = new URL(testPgUrl);
    const pgPort = Number(pgUrl.port || 5432);
    bridge = await startPortBridge(namespaceName(lab, 'dev1'), [freshdeskPort, pgPort]);
    const command = (...args: string[]) => `[${[process.execPath, ospfCostJs, '--lab', lab, '--link', '{link}', ...args].map((a) => JSON.stringify(a)).join(', ')}]`;
    const config = join(dir, 'monitor.yaml');
    writeFileSync(
      config,
      `topology: ${join(repoRoot, 'lab/topologies/nanog76.yaml')}
prober: { node: dev1 }
probing: { intervalMs: ${intervalMs}, probesPerRound: 5, probeSpacingMs: 20, timeoutMs: 400 }
thresholds: { delayMs: 40, lossPct: 20 }
linkThresholds: { lossPct: 2, addedDelayMs: 5 }
hysteresisRounds: 2
localize: { enabled: true, probesPerWalk: 20, probeSpacingMs: 5 }
groups: [ { name: lab, endpoints: [dev2] } ]
storage: { url: "${testPgUrl}", schema: ${schema} }
syslog: { tcp: "0.0.0.0:${syslogPort}" }
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:${freshdeskPort}", apiKey: { env: PATHMON_E2E_FD_KEY }, requesterEmail: noc@example.net, maxRetries: 1 }
remediation:
  workers: 2
  attachNoteDelayMs: 500
  rules:
    - name: isolate-r4-r6
      match: { incident: { link: R4-R6, change: [opened] } }
      isolate:
        isolate: { argv: ${command('--cost', '65535')}, timeoutMs: 30000 }
        restore: { argv: ${command('--restore')}, timeoutMs: 30000 }
        ticket: { subject: "data center: isolated {link}", description: "{summary}" }
        pollIntervalMs: 1000
        verifyTimeoutMs: 90000
`,
    );
    monitor = spawn('ip', ['netns', 'exec', namespaceName(lab, 'dev1'), process.execPath, cliPath, 'run', '--config', config, '--data-dir', join(dir, 'data')], {
      cwd: repoRoot,
      env: { ...process.env, PATHMON_E2E_FD_KEY: apiKey },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    monitor.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    exit = new Promise((resolve) => monitor!.once('exit', (code) => resolve(code)));
    await waitFor('8 paths decided UP', () => (log.match(/new -> UP/g) ?? []).length >= 8 || alive());
    db = new pg.Client({ connectionString: testPgUrl });
    await db.connect();
    await db.query(`SET search_path TO ${schema}`);
  });

  after(async () => {
    if (monitor && monitor.exitCode === null) {
      monitor.kill('SIGKILL');
      await exit;
    }
    await db?.end().catch(() => undefined);
    await bridge?.close();
    await freshdesk?.close();
    runCli(['lab', 'down', '--lab', lab], { timeoutMs: 120_000 });
    await dropSchema(schema).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    // lab down stops the forwarders with everything else in the lab's namespaces.
    assert.deepEqual(
      listNamespaces().filter((namespace) => namespace.startsWith(`${lab}.`)),
      [],
      'lab down left namespaces behind',
    );
    assert.equal(spawnSync('pgrep', ['-f', `labs/${lab}/bgp-ls/frr/`]).status, 1, 'a syslog forwarder of the lab still runs');
  });

  const isolation = async () => await rows<IsolationRow>('SELECT id, state, incident_id, ticket_id, isolate_run_id, restore_run_id, outcome FROM isolations WHERE rule = $1', ['isolate-r4-r6']);

  /** BGP-LS as a fresh ExaBGP in dev1 reads it: metric per direction of R4–R6. */
  function bgpLsMetrics(): number[] {
    const run = spawnSync('ip', ['netns', 'exec', namespaceName(lab, 'dev1'), process.execPath, cliPath, 'topology', '--topology', spec, '--json', '--wait-ms', '60000'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 90_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const graph = JSON.parse(run.stdout) as { links: { fromName: string; toName: string; igpMetric: number | null }[] };
    return graph.links.filter((l) => [l.fromName, l.toName].sort().join('-') === 'R4-R6').map((l) => l.igpMetric ?? -1);
  }

  test('the whole loop: incident → isolate once → adjacency-down events attached and noted → metric 65535 over BGP-LS → ticket resolved → restore once → closed', async () => {
    // A delay is blamed on a link against each walk's own healthy baseline, which takes a few healthy rounds.
    await new Promise((resolve) => setTimeout(resolve, 4 * intervalMs));
    const delay = runCli(['lab', 'impair', '--lab', lab, 'R4', 'R6', '--delay-ms', '60']);
    assert.equal(delay.status, 0, delay.stderr);

    const incidentTicket = await waitFor('the R4↔R6 incident ticket', () => freshdesk.tickets.find((t) => /R4/.test(t.subject) && /R6/.test(t.subject) && !/data center/.test(t.subject)));
    const waiting = await waitFor('the isolation waiting on its data-center ticket', async () => (await isolation()).find((i) => i.state === 'waiting'));
    assert.ok(waiting.ticket_id !== null && waiting.isolate_run_id !== null, JSON.stringify(waiting));
    const dcTicket = freshdesk.tickets.find((t) => t.id === Number(waiting.ticket_id));
    assert.ok(dcTicket && /data center: isolated R4.R6/.test(dcTicket.subject), freshdesk.tickets.map((t) => t.subject).join(' | '));
    const [isolateRun] = await rows<{ state: string; output: string }>('SELECT state, output FROM action_runs WHERE id = $1', [waiting.isolate_run_id]);
    assert.equal(isolateRun!.state, 'SUCCESS');
    assert.match(isolateRun!.output, /ip ospf cost 65535/);

    const down = runCli(['lab', 'impair', '--lab', lab, 'R4', 'R6', '--down']);
    assert.equal(down.status, 0, down.stderr);
    const attachedFrom = async (host: string) =>
      (await rows<{ message: string; link_key: string | null }>('SELECT message, link_key FROM incident_events WHERE incident_id = $1 AND host = $2', [waiting.incident_id, host])).find((e) =>
        ADJ_DOWN.test(e.message),
      );
    const fromR4 = await waitFor("R4's adjacency-down event attached to the incident", () => attachedFrom('R4'));
    assert.match(fromR4.message, /on \S+:10\.1\.1\.13/, 'R4 names its end of R4–R6');
    // R6 reaches dev1 across R4–R6: its event waits in its TCP connection until the link is back.
    const upAgain = runCli(['lab', 'impair', '--lab', lab, 'R4', 'R6', '--up']);
    assert.equal(upAgain.status, 0, upAgain.stderr);
    const fromR6 = await waitFor("R6's adjacency-down event attached to the incident", () => attachedFrom('R6'));
    assert.match(fromR6.message, /on \S+:10\.1\.1\.12/, 'R6 names its end of R4–R6');

    const stored = await rows<{ host: string; source_address: string; transport: string; program: string; error_code: string | null; incident_id: string | null; node: string | null; status: string }>(
      `SELECT host, source_address, transport, program, error_code, incident_id, node, status FROM syslog_events WHERE message ~ 'AdjChg: .*Full -> (Down|Deleted)' ORDER BY id`,
    );
    for (const host of ['R4', 'R6']) {
      const event = stored.find((e) => e.host === host && e.incident_id !== null);
      assert.ok(event, `${host}'s event stored with the incident it was attached to: ${JSON.stringify(stored)}`);
      assert.equal(event.transport, 'tcp');
      assert.equal(event.program, 'ospfd');
      assert.equal(event.error_code, 'OSPF-5-ADJCHG', "FRR's log-file line (its date and daemon tag first) carries the code a rule matches");
      assert.equal(event.incident_id, waiting.incident_id, 'the event row names the incident');
      assert.equal(event.node, host, 'and the node it came from');
      assert.notEqual(event.status, 'NEW', 'and what became of it');
      assert.match(event.source_address, /^10\.1\.1\.\d+$/, "sent from inside the router's namespace");
    }
    const noted = await waitFor("a note on the incident ticket with both routers' adjacency changes", () => {
      const notes = freshdesk.ticket(incidentTicket.id)?.notes ?? [];
      const text = notes.map((n) => n.body).join('\n');
      return /R4/.test(text) && /R6/.test(text) && /Full -&gt; Deleted|Full -> Deleted|Full -&gt; Down|Full -> Down/.test(text) ? text : null;
    });
    assert.match(noted, /AdjChg/);

    // The adjacency is back with the isolated cost: BGP-LS carries it to the prober.
    const metrics = await waitFor(
      'metric 65535 on R4–R6 over BGP-LS',
      () => {
        const found = bgpLsMetrics();
        return found.length === 2 && found.every((m) => m === 65535) ? found : null;
      },
      120_000,
    );
    assert.deepEqual(metrics, [65535, 65535]);

    const clear = runCli(['lab', 'impair', '--lab', lab, 'R4', 'R6', '--clear']);
    assert.equal(clear.status, 0, clear.stderr);
    freshdesk.agentSetsStatus(Number(waiting.ticket_id), 4);
    const closed = await waitFor('the isolation closed after the restore', async () => (await isolation()).find((i) => i.state === 'closed' || i.state === 'failed'), 150_000);
    assert.equal(closed.state, 'closed', JSON.stringify(closed));
    console.log(`isolation outcome: ${closed.outcome}`);

    const runs = await rows<{ id: string; state: string; action: { argv?: string[] } }>('SELECT id, state, action FROM action_runs WHERE isolation_id = $1 ORDER BY id', [closed.id]);
    const argvs = runs.map((r) => JSON.stringify(r.action));
    assert.equal(argvs.filter((a) => a.includes('"--cost"')).length, 1, `the isolate command ran once: ${argvs.join(' | ')}`);
    assert.equal(argvs.filter((a) => a.includes('"--restore"')).length, 1, `the restore command ran once: ${argvs.join(' | ')}`);
    assert.ok(
      runs.every((r) => r.state === 'SUCCESS'),
      JSON.stringify(runs),
    );
    assert.equal(String(closed.restore_run_id), runs.find((r) => JSON.stringify(r.action).includes('"--restore"'))!.id);
    assert.equal((await isolation()).length, 1, 'one isolation for the incident');
    const back = await waitFor(
      'the configured cost back on R4–R6 over BGP-LS',
      () => {
        const found = bgpLsMetrics();
        return found.length === 2 && found.every((m) => m !== 65535) ? found : null;
      },
      120_000,
    );
    assert.equal(back.length, 2);
    assert.ok(!log.includes(apiKey), 'the API key never appears in the log');
  });
});
