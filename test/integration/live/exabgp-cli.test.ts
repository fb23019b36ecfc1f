/**
 * The CLI on a live ExaBGP feed, as the lab runs it: `pathmon topology --topology exabgp:FILE --watch`
 * prints a `ready` line and then a `link-down` line when the peer withdraws a link;
 * `pathmon paths ... --watch --json` prints the plan and then a `replan` line with the path gone and
 * the re-plan delay; one-shot `pathmon topology --json` waits for End-of-RIB; SIGTERM stops ExaBGP too.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliPath } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { BGPLS_EOR, BgpSpeaker, edgeCaseUpdates } from './bgp-speaker.js';

const haveExabgp = spawnSync('sh', ['-c', 'command -v exabgp']).status === 0;
const u = edgeCaseUpdates();
let dir: string;

async function until(what: string, condition: () => boolean, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`test: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function withSpeaker(run: (speaker: BgpSpeaker, file: string) => Promise<void>): Promise<void> {
  const speaker = await BgpSpeaker.listen();
  const file = join(dir, `n-${speaker.port}.conf`);
  writeFileSync(
    file,
    `neighbor 127.0.0.2 {\n  router-id 1.1.1.1;\n  local-address 127.0.0.1;\n  local-as 65002;\n  peer-as 65001;\n  hold-time 30;\n  connect ${speaker.port};\n  family { bgp-ls bgp-ls; }\n}\n`,
  );
  try {
    await run(speaker, file);
  } finally {
    await speaker.close();
  }
}

function cli(args: string[]): { child: ChildProcess; lines: () => Record<string, unknown>[]; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stdout: () => out,
    stderr: () => err,
    exited,
  };
}

describe('pathmon CLI on exabgp:FILE', { skip: !haveExabgp && process.env.CI !== 'true' && 'exabgp is not installed' }, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pathmon-cli-live-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('topology --json waits for End-of-RIB and prints nodes and one entry per link direction', async () => {
    await withSpeaker(async (speaker, file) => {
      const run = cli(['topology', '--topology', `exabgp:${file}`, '--json', '--wait-ms', '30000']);
      try {
        const session = await speaker.nextSession();
        session.send(u.get('node_ospf')!, u.get('link_ospf_numbered')!, BGPLS_EOR);
        assert.equal(await run.exited, 0, run.stderr());
        const out = JSON.parse(run.stdout()) as { status: { freshness: string }; nodes: { name: string }[]; links: Record<string, unknown>[] };
        assert.equal(out.status.freshness, 'live');
        assert.deepEqual(out.nodes.map((n) => n.name).sort(), ['2.2.2.2', 'r1']);
        assert.equal(out.links.length, 1);
        assert.deepEqual(
          { from: out.links[0]!.fromName, local: out.links[0]!.localAddress, neighbor: out.links[0]!.neighborAddress, igp: out.links[0]!.igpMetric, te: out.links[0]!.teMetric },
          { from: 'r1', local: '10.0.12.1', neighbor: '10.0.12.2', igp: 10, te: 10 },
        );
      } finally {
        run.child.kill('SIGKILL');
      }
    });
  });

  it('topology --watch prints ready, then link-down on a withdraw; SIGTERM stops it and its ExaBGP', async () => {
    await withSpeaker(async (speaker, file) => {
      const run = cli(['topology', '--topology', `exabgp:${file}`, '--watch']);
      try {
        const session = await speaker.nextSession();
        session.send(u.get('node_ospf')!, u.get('link_ospf_numbered')!, BGPLS_EOR);
        await until('the ready line', () => run.lines().some((l) => l.event === 'ready'));
        const ready = run.lines().find((l) => l.event === 'ready')!;
        assert.equal(ready.freshness, 'live');
        assert.equal(ready.links, 1);
        session.send(u.get('withdraw_link')!);
        await until('the link-down line', () => run.lines().some((l) => l.event === 'link-down'));
        const down = run.lines().find((l) => l.event === 'link-down')! as { time: string; link: Record<string, unknown> };
        assert.match(down.time, /^\d{4}-\d\d-\d\dT/);
        assert.equal(down.link.fromName, 'r1');
        assert.equal(down.link.localAddress, '10.0.12.1');
        assert.equal(down.link.neighborAddress, '10.0.12.2');
        assert.equal(down.link.igpMetric, 10);
        const closed = session.closed;
        run.child.kill('SIGTERM');
        assert.equal(await run.exited, 0);
        await closed; // ExaBGP went with it: its BGP session closed
      } finally {
        run.child.kill('SIGKILL');
      }
    });
  });

  it('paths --watch --json prints the plan, then a replan with the path gone and its delay', async () => {
    await withSpeaker(async (speaker, file) => {
      const run = cli(['paths', '--topology', `exabgp:${file}`, '--from', 'r1', '--to', '2.2.2.2', '--mode', 'direct', '--watch', '--json']);
      try {
        const session = await speaker.nextSession();
        session.send(u.get('node_ospf')!, u.get('link_ospf_numbered')!, BGPLS_EOR);
        await until('the plan line', () => run.lines().some((l) => l.event === 'plan'));
        const plan = run.lines().find((l) => l.event === 'plan')! as { paths: { id: string; path: string[]; hops: string[] }[] };
        assert.equal(plan.paths.length, 1);
        assert.deepEqual(plan.paths[0]!.hops, ['10.0.12.2']);
        session.send(u.get('withdraw_link')!);
        await until('the replan line', () => run.lines().some((l) => l.event === 'replan'));
        const replan = run.lines().find((l) => l.event === 'replan')! as { gone: { id: string }[]; added: unknown[]; paths: number; replanMs: number; problems: string[] };
        assert.deepEqual(
          replan.gone.map((p) => p.id),
          [plan.paths[0]!.id],
        );
        assert.equal(replan.paths, 0);
        assert.ok(replan.replanMs > 0);
        assert.equal(replan.problems.length, 1, 'no path left is a problem with a reason, not a failure');
        run.child.kill('SIGTERM');
        assert.equal(await run.exited, 0);
      } finally {
        run.child.kill('SIGKILL');
      }
    });
  });

  it('a one-shot paths with no End-of-RIB fails after --wait-ms with a clear message', async () => {
    await withSpeaker(async (_speaker, file) => {
      const run = cli(['paths', '--topology', `exabgp:${file}`, '--from', 'a', '--to', 'b', '--wait-ms', '3000']);
      try {
        assert.equal(await run.exited, 1);
        assert.match(run.stderr(), /did not converge within 3000 ms/);
        assert.doesNotMatch(run.stderr(), /at .*\.js/, 'no stack trace');
      } finally {
        run.child.kill('SIGKILL');
      }
    });
  });
});
