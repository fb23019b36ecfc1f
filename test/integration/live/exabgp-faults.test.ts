/**
 * Every ExaBGP 4.2.21 BGP-LS decoder fault we know of, replayed against the real ExaBGP: a test BGP
 * speaker (bgp-speaker.ts) on loopback sends the UPDATEs of test/fixtures/exabgp/edge-case-updates.hex.txt
 * one case at a time, and pathmon's exabgp: source must survive each as the README says: bad lines
 * skipped and counted, session resets marked stale with the graph kept, the MT-ID hang SIGKILLed and
 * ExaBGP restarted, and no ExaBGP left behind when pathmon itself is SIGKILLed.
 *
 * Needs Debian's exabgp (skipped without it). Waits use generous deadlines, never timed assertions.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExabgpTopologySource, type GraphChange } from '../../../src/live/index.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { BGPLS_EOR, BgpSpeaker, edgeCaseUpdates, withEmptyLsAttribute, type SpeakerSession } from './bgp-speaker.js';

const haveExabgp = spawnSync('sh', ['-c', 'command -v exabgp']).status === 0;
const updates = edgeCaseUpdates();
const u = (name: string): Buffer => {
  const update = updates.get(name);
  if (!update) throw new Error(`test: no case ${name} in edge-case-updates.hex.txt`);
  return update;
};

async function until(what: string, condition: () => boolean, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`test: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) [ZX]/.test(spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout);
  } catch {
    return false;
  }
};

interface Rig {
  speaker: BgpSpeaker;
  source: ExabgpTopologySource;
  logs: string[];
  changes: GraphChange[];
  dir: string;
}

const rigs: Rig[] = [];
let dir: string;

function neighborConfig(port: number): string {
  return `# an engineer's own ExaBGP neighbor configuration
neighbor 127.0.0.2 {
    router-id 1.1.1.1;
    local-address 127.0.0.1;
    local-as 65002;
    peer-as 65001;
    hold-time 30;
    connect ${port};
    family { bgp-ls bgp-ls; }
}
`;
}

async function rig(supervisor: ConstructorParameters<typeof ExabgpTopologySource>[1] = {}): Promise<Rig> {
  const speaker = await BgpSpeaker.listen();
  const file = join(dir, `neighbor-${speaker.port}.conf`);
  writeFileSync(file, neighborConfig(speaker.port));
  const logs: string[] = [];
  const changes: GraphChange[] = [];
  const source = new ExabgpTopologySource(file, { log: (m) => logs.push(m), ...supervisor });
  source.onChange((change) => changes.push(...(change.changes ?? [])));
  source.start();
  const r = { speaker, source, logs, changes, dir };
  rigs.push(r);
  return r;
}

/** The baseline every case starts from: two OSPF routers, one numbered link, End-of-RIB. */
async function converge(r: Rig): Promise<SpeakerSession> {
  const session = await r.speaker.nextSession();
  session.send(u('node_ospf'), u('link_ospf_numbered'), BGPLS_EOR);
  await r.source.ready(30_000);
  return session;
}

describe('exabgp: source against real ExaBGP, fault by fault', { skip: !haveExabgp && process.env.CI !== 'true' && 'exabgp is not installed' }, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pathmon-faults-'));
  });
  after(async () => {
    for (const r of rigs) {
      await r.source.close();
      await r.speaker.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('converges on End-of-RIB and applies announces and a withdraw incrementally', async () => {
    const r = await rig();
    const session = await converge(r);
    assert.equal(r.source.status().freshness, 'live');
    assert.equal(r.source.status().links, 1);
    assert.ok(r.source.graph.nodes().some((n) => n.name === 'r1'));
    session.send(u('withdraw_link'));
    await until('the link withdraw', () => r.changes.some((c) => c.kind === 'link-down'));
    assert.equal(r.source.status().links, 0);
    assert.equal(r.source.status().restarts, 0);
  });

  it('link-name TLV 1098 (invalid JSON): skips the line, counts it, logs its first 200 characters', async () => {
    const r = await rig();
    const session = await converge(r);
    session.send(u('attr_link_name_1098'), u('prefix_isis'));
    await until('the skipped line', () => r.source.status().skippedLines === 1);
    const status = r.source.status();
    assert.deepEqual(status.skippedByReason, { 'invalid JSON': 1 });
    assert.equal(status.lastSkipped![0]!.excerpt.length, 200);
    const logged = r.logs.find((line) => line.startsWith('skipped line'));
    assert.ok(logged && logged.includes('invalid JSON') && logged.endsWith(status.lastSkipped![0]!.excerpt), logged);
    assert.equal(status.freshness, 'live');
    assert.equal(status.links, 1, 'the graph is untouched');
  });

  it('unknown attribute TLV 1114: counted as attribute-not-implemented, the link kept with its metric', async () => {
    const r = await rig();
    const session = await converge(r);
    session.send(u('attr_unknown_tlv_1114_delay'));
    await until('the ignored field', () => (r.source.status().ignoredByField?.['attribute-not-implemented'] ?? 0) > 0);
    assert.equal(r.source.status().links, 1);
    assert.equal(r.source.status().skippedLines, 0);
  });

  it('link identifiers TLV 258 (unnumbered): the link is kept without addresses', async () => {
    const r = await rig();
    const session = await converge(r);
    session.send(u('link_with_link_ids_258'));
    await until('the unnumbered link', () => r.source.graph.links().some((l) => l.localAddress === undefined));
    assert.equal(r.source.status().freshness, 'live');
  });

  it('empty attribute 29: ExaBGP treats it as a withdraw, and so does the graph', async () => {
    const r = await rig();
    const session = await converge(r);
    session.send(withEmptyLsAttribute(u('link_ospf_numbered')));
    await until('the treat-as-withdraw', () => r.changes.some((c) => c.kind === 'link-down'));
    assert.equal(r.source.status().links, 0);
    assert.ok((r.source.status().ignoredByField?.['treat-as-withdraw'] ?? 0) > 0);
  });

  for (const fault of ['nodedesc_bgp_router_id_516', 'attr_opaque_link_1097']) {
    it(`${fault}: session reset marks the topology stale with its age, keeps it, and recovers on reconnect`, async () => {
      const r = await rig();
      const session = await converge(r);
      const nodesBefore = r.source.status().nodes;
      session.send(u(fault));
      const closed = await session.closed;
      await until('the session-down', () => r.changes.some((c) => c.kind === 'session-down'));
      // ExaBGP may have reconnected already; the graph stays stale until that session's End-of-RIB.
      const stale = r.source.status();
      assert.equal(stale.freshness, 'stale');
      assert.equal(stale.nodes, nodesBefore, 'the last graph is kept');
      assert.equal(stale.links, 1);
      assert.ok(stale.staleSinceMs !== null && typeof stale.staleAgeMs === 'number' && stale.staleAgeMs >= 0);
      assert.equal(stale.restarts, 0, 'a session reset is not an ExaBGP restart');
      // 516: ExaBGP answers with a NOTIFICATION ("can not decode update message"); 1097: it just drops the connection.
      if (fault.includes('516')) assert.ok(closed.notification !== null, 'ExaBGP sent a NOTIFICATION');
      const down = r.changes.find((c) => c.kind === 'session-down');
      assert.ok(down && down.kind === 'session-down' && down.reason, 'the reset is reported with its reason');
      // ExaBGP reconnects; the peer sends its RIB again without the link: the sweep removes it.
      const again = await r.speaker.nextSession();
      again.send(u('node_ospf'), BGPLS_EOR);
      await until('live again', () => r.source.status().freshness === 'live');
      assert.equal(r.source.status().links, 0, 'what was not announced again is gone');
      assert.equal(r.source.status().staleSinceMs, null);
    });
  }

  for (const fault of ['link_with_mtid_263', 'prefix_with_mtid_263']) {
    it(`${fault} (MT-ID hang): ExaBGP is SIGKILLed and restarted, the graph kept and stale meanwhile`, async () => {
      const r = await rig({ supervisor: { spinMs: 3000, checkIntervalMs: 500, backoffInitialMs: 200 } });
      const session = await converge(r);
      const hungPid = r.source.status().exabgpPid!;
      session.send(u(fault));
      await until('the restart', () => r.source.status().restarts === 1);
      const status = r.source.status();
      assert.match(status.lastRestartReason!, /cpu spin/);
      assert.match(status.lastRestartReason!, /SIGKILL/);
      assert.equal(status.links, 1, 'the last graph is kept');
      assert.ok(status.freshness === 'stale');
      await until('the hung ExaBGP to be gone', () => !alive(hungPid), 10_000);
      const again = await r.speaker.nextSession();
      again.send(u('node_ospf'), u('link_ospf_numbered'), BGPLS_EOR);
      await until('live again', () => r.source.status().freshness === 'live');
      assert.notEqual(r.source.status().exabgpPid, hungPid);
      assert.ok(r.logs.some((line) => /cpu spin.*restarting in/.test(line)));
    });
  }

  it('ExaBGP exiting is restarted with backoff', async () => {
    const r = await rig({ supervisor: { backoffInitialMs: 200 } });
    await converge(r);
    const pid = r.source.status().exabgpPid!;
    process.kill(pid, 'SIGKILL');
    await until('the restart', () => r.source.status().restarts === 1 && r.source.status().exabgpPid !== null);
    assert.match(r.source.status().lastRestartReason!, /killed by SIGKILL/);
    const again = await r.speaker.nextSession();
    again.send(u('node_ospf'), u('link_ospf_numbered'), BGPLS_EOR);
    await until('live again', () => r.source.status().freshness === 'live');
  });

  const holder = join(repoRoot, 'dist', 'test', 'integration', 'live', 'exabgp-holder.js');
  for (const [name, pdeathsig, hang] of [
    ['the forwarder alone (no pdeathsig)', 'false', false],
    ['the forwarder alone, ExaBGP hung in the MT-ID loop', 'false', true],
    ['the default (forwarder and pdeathsig)', 'true', false],
  ] as const) {
    it(`leaves no ExaBGP behind when pathmon is SIGKILLed: ${name}`, async () => {
      const speaker = await BgpSpeaker.listen();
      const file = join(dir, `holder-${speaker.port}.conf`);
      writeFileSync(file, neighborConfig(speaker.port));
      const workDir = mkdtempSync(join(dir, 'holder-'));
      const child = spawn(process.execPath, [holder, file, pdeathsig, '600000', workDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const session = await speaker.nextSession();
        session.send(u('node_ospf'), u('link_ospf_numbered'), BGPLS_EOR);
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        await until('the holder to report its ExaBGP', () => out.includes('\n'));
        const pid = (JSON.parse(out) as { pid: number }).pid;
        assert.ok(alive(pid));
        if (hang) {
          session.send(u('link_with_mtid_263'));
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        child.kill('SIGKILL');
        await until(`ExaBGP ${pid} to go`, () => !alive(pid), 15_000);
        assert.ok(existsSync(holder));
      } finally {
        child.kill('SIGKILL');
        await speaker.close();
      }
    });
  }
});
