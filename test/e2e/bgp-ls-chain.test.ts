/**
 * The lab's BGP-LS chain end to end, in the nanog76 lab, through pathmon's command line as an engineer
 * runs it: `lab up --bgp-ls` runs OSPF in the routers and the originator and gobgpd in R1, and pathmon
 * in dev1 runs its own ExaBGP from the `exabgp:FILE` spec `lab up` printed.
 *
 * What pathmon learns must equal the lab file (routers, links, addresses, metrics), and a link taken
 * down with `lab impair --down` must travel the whole chain (adjacency lost, BGP-LS withdraw, re-plan)
 * and leave exactly the paths that do not cross it; `--up` must bring the same paths (same ids) back.
 *
 * Paths are planned from R1 to R6, the routers dev1 and dev2 hang off: hosts are not in the IGP, and
 * `pathmon paths` attaches none to a BGP-LS topology, so dev1 and dev2 are not nodes there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlTopology } from '../../topology/index.js';
import { listNamespaces } from '../../lab/ip-command.js';
import { repoRoot } from '../helpers/repo-root.js';
import { cliPath, runCli, uniqueLabName } from '../helpers/cli.js';

const lab = uniqueLabName();
const topologyFile = 'lab/topologies/nanog76.yaml';
const spec = parseYamlTopology(readFileSync(join(repoRoot, topologyFile), 'utf8'), topologyFile).spec;
const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces)' : false;
/** Generous: OSPF, gobgpd and ExaBGP share 2 cores with other engineers' builds and tests. */
const CHAIN_WAIT_MS = 60_000;

interface WatchPath {
  id: string;
  path: string[];
}
interface WatchLine {
  event: string;
  paths?: WatchPath[] | number;
  added?: WatchPath[];
  gone?: WatchPath[];
  replanMs?: number;
  problems?: string[];
}

/** `pathmon paths --watch --json` running in dev1: its JSON lines, as they come. */
class PathsWatch {
  readonly lines: WatchLine[] = [];
  private readonly child: ChildProcess;
  private partial = '';
  private stderr = '';

  constructor(topologySpec: string) {
    const args = ['lab', 'exec', '--lab', lab, 'dev1', '--', 'pathmon', 'paths', '--topology', topologySpec, '--from', 'R1', '--to', 'R6', '--watch', '--json', '--wait-ms', String(CHAIN_WAIT_MS)];
    this.child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (data: Buffer) => {
      const parts = (this.partial + data.toString()).split('\n');
      this.partial = parts.pop()!;
      for (const part of parts) if (part.trim()) this.lines.push(JSON.parse(part) as WatchLine);
    });
    this.child.stderr!.on('data', (data: Buffer) => (this.stderr = (this.stderr + data.toString()).slice(-3000)));
  }

  async next(from: number, match: (line: WatchLine) => boolean, what: string): Promise<WatchLine> {
    const deadline = Date.now() + CHAIN_WAIT_MS;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`pathmon paths --watch exited (${this.child.exitCode}) before ${what}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${what} from pathmon paths --watch within ${CHAIN_WAIT_MS} ms; stderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  stop(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // Gone already; `lab down` kills whatever ran inside dev1 in any case.
    }
  }
}

function impair(...args: string[]): void {
  const run = runCli(['lab', 'impair', '--lab', lab, ...args]);
  assert.equal(run.status, 0, `impair failed: ${run.stderr}`);
}

const ids = (paths: WatchPath[]) => paths.map((path) => path.id).sort();

describe('nanog76 lab with --bgp-ls, seen by pathmon in dev1', { skip: needsRoot }, () => {
  let upOutput = '';
  let topologySpec = '';
  let watch: PathsWatch | undefined;

  before(() => {
    const up = runCli(['lab', 'up', topologyFile, '--name', lab, '--bgp-ls'], { timeoutMs: 150_000 });
    upOutput = up.stdout;
    assert.equal(up.status, 0, `lab up --bgp-ls failed: ${up.stderr}`);
    topologySpec = /topology spec: (exabgp:\S+)/.exec(upOutput)?.[1] ?? '';
  });

  after(() => {
    watch?.stop();
    runCli(['lab', 'down', '--lab', lab]);
    assert.deepEqual(
      listNamespaces().filter((namespace) => namespace.startsWith(`${lab}.`)),
      [],
      'lab down left namespaces behind',
    );
  });

  test("lab up prints the exabgp: spec of an ExaBGP neighbor config for dev1, in the lab's state directory", () => {
    assert.equal(topologySpec, `exabgp:/run/pathmon/labs/${lab}/exabgp.conf`);
    const text = readFileSync(topologySpec.slice('exabgp:'.length), 'utf8');
    assert.match(text, /neighbor 10\.2\.0\.1 \{/);
    assert.match(text, /local-address 10\.2\.0\.0;/);
  });

  test('the topology pathmon learns equals the lab file: routers, links, addresses, metrics', () => {
    const run = runCli(['lab', 'exec', '--lab', lab, 'dev1', '--', 'pathmon', 'topology', '--topology', topologySpec, '--json', '--wait-ms', String(CHAIN_WAIT_MS)], { timeoutMs: 120_000 });
    assert.equal(run.status, 0, `pathmon topology failed: ${run.stderr}`);
    const learned = JSON.parse(run.stdout) as {
      status: { freshness: string };
      nodes: { name: string; kind: string }[];
      links: { fromName: string; toName: string; localAddress: string; neighborAddress: string; igpMetric: number }[];
    };
    assert.equal(learned.status.freshness, 'live');
    const routers = spec.routers.map((router) => router.name).sort();
    assert.deepEqual(learned.nodes.map((node) => node.name).sort(), routers);
    assert.ok(learned.nodes.every((node) => node.kind === 'router'));
    const routerSet = new Set(routers);
    const expected = spec.links
      .filter((link) => routerSet.has(link.a) && routerSet.has(link.b))
      .flatMap((link) => [`${link.a}>${link.b} ${link.aAddress}>${link.bAddress} ${link.metric}`, `${link.b}>${link.a} ${link.bAddress}>${link.aAddress} ${link.metric}`])
      .sort();
    const got = learned.links.map((link) => `${link.fromName}>${link.toName} ${link.localAddress}>${link.neighborAddress} ${link.igpMetric}`).sort();
    assert.deepEqual(got, expected);
  });

  test('R4-R6 down: withdrawn, and the plan loses exactly the 4 paths crossing it; up: the same 4 come back', async () => {
    watch = new PathsWatch(topologySpec);
    const first = await watch.next(0, (line) => line.event === 'plan', 'first plan');
    const before = first.paths as WatchPath[];
    assert.equal(before.length, 8, JSON.stringify(first.problems));
    const crossing = before.filter((path) => path.path.join(' ').endsWith('R4 R6'));
    assert.equal(crossing.length, 4);

    let mark = watch.lines.length;
    impair('R4', 'R6', '--down');
    const down = await watch.next(mark, (line) => line.event === 'replan' && (line.gone?.length ?? 0) > 0, 're-plan after R4-R6 down');
    assert.deepEqual(ids(down.gone!), ids(crossing));
    assert.deepEqual(down.added, []);
    assert.equal(down.paths, 4);

    mark = watch.lines.length;
    impair('R4', 'R6', '--up');
    // Both directions must be back before all 4 paths exist again; one direction alone may re-plan first.
    const up = await watch.next(mark, (line) => line.event === 'replan' && line.paths === 8, 're-plan with all 8 paths after R4-R6 up');
    const back = watch.lines.slice(mark).flatMap((line) => line.added ?? []);
    assert.deepEqual(ids(back), ids(crossing));
    assert.ok(typeof up.replanMs === 'number');
  });

  test("OSPF leaves the kernel alone: R1 has only the lab's static and connected routes", () => {
    const run = runCli(['lab', 'exec', '--lab', lab, 'R1', '--', 'ip', '-o', 'route']);
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /proto (ospf|zebra)/);
    assert.match(run.stdout, /10\.2\.0\.2\/31 via/);
  });

  test('lab status shows every chain process running', () => {
    const run = runCli(['lab', 'status', '--lab', lab, '--json']);
    const status = JSON.parse(run.stdout) as { bgpLs: { processes: { name: string; alive: boolean }[] } };
    assert.equal(status.bgpLs.processes.length, 14);
    assert.deepEqual(
      status.bgpLs.processes.filter((p) => !p.alive),
      [],
    );
  });
});
