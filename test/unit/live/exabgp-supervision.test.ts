/**
 * Supervision and staleness of the exabgp: source on a fake clock with a fake ExaBGP: restart with
 * doubling backoff on exit, SIGKILL on a CPU spin with no output or on silence past the hold time with
 * a session up, a session reset keeping the graph as stale with its age, the End-of-RIB sweep after a
 * reconnect, and no restart after close().
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { ExabgpTopologySource } from '../../../src/live/index.js';
import type { LaunchedExabgp } from '../../../src/live/exabgp-process.js';
import { FakeTimers } from './fake-timers.js';

class FakeExabgp extends EventEmitter implements LaunchedExabgp {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: string[] = [];
  cpuSeconds = 0;
  constructor(readonly pid: number) {
    super();
  }
  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    if (signal === 'SIGKILL' || this.honoursTerm) queueMicrotask(() => this.emit('exit', null, signal));
    return true;
  }
  honoursTerm = true;
  /** Writes JSON lines as the forwarder would. */
  say(...lines: object[]): void {
    this.stderr.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'pathmon-sup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const conf = join(dir, 'n.conf');
writeFileSync(conf, 'neighbor 10.0.0.1 { hold-time 9; family { bgp-ls bgp-ls; } }\n');

const envelope = { exabgp: '4.0.1', time: 1, host: 'h', pid: 1, ppid: 1, counter: 1 };
const peer = { address: { local: '10.0.0.2', peer: '10.0.0.1' }, asn: { local: 65002, peer: 65001 } };
const state = (s: string) => ({ ...envelope, type: 'state', neighbor: { ...peer, state: s } });
const eor = { ...envelope, type: 'update', neighbor: { ...peer, direction: 'receive', message: { eor: { afi: 'bgp-ls', safi: 'bgp-ls' } } } };
const node = (id: string) => ({
  'ls-nlri-type': 'bgpls-node',
  'protocol-id': 3,
  'node-descriptors': { 'autonomous-system': 65001, 'bgp-ls-identifier': '0', 'ospf-area-id': '0.0.0.0', 'router-id': id },
});
const link = (a: string, b: string, la: string, lb: string) => ({
  'ls-nlri-type': 'bgpls-link',
  'protocol-id': 3,
  'local-node-descriptors': { 'autonomous-system': 65001, 'bgp-ls-identifier': '0', 'ospf-area-id': '0.0.0.0', 'router-id': a },
  'remote-node-descriptors': { 'autonomous-system': 65001, 'bgp-ls-identifier': '0', 'ospf-area-id': '0.0.0.0', 'router-id': b },
  'interface-address': { 'interface-address': la },
  'neighbor-address': { 'neighbor-address': lb },
});
const announce = (...nlris: object[]) => ({
  ...envelope,
  type: 'update',
  neighbor: { ...peer, direction: 'receive', message: { update: { attribute: { 'bgp-ls': { 'igp-metric': 10 } }, announce: { 'bgp-ls bgp-ls': { '10.0.0.1': nlris } } } } },
});

function rig(supervisor: NonNullable<ConstructorParameters<typeof ExabgpTopologySource>[1]>['supervisor'] = {}) {
  const timers = new FakeTimers();
  const launched: FakeExabgp[] = [];
  const logs: string[] = [];
  const source = new ExabgpTopologySource(conf, {
    timers,
    log: (m) => logs.push(m),
    workDir: dir,
    launcher: () => {
      const child = new FakeExabgp(1000 + launched.length);
      launched.push(child);
      return child;
    },
    supervisor: { cpuSeconds: (pid) => launched.find((c) => c.pid === pid)?.cpuSeconds ?? null, ...supervisor },
  });
  source.start();
  return { timers, launched, logs, source, current: () => launched[launched.length - 1]! };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function converge(r: ReturnType<typeof rig>) {
  r.current().say(state('up'), announce(node('1.1.1.1'), node('2.2.2.2'), link('1.1.1.1', '2.2.2.2', '10.0.12.1', '10.0.12.2')), eor);
  await flush();
}

describe('exabgp: supervision and staleness (fake clock, fake ExaBGP)', () => {
  it('is converging until End-of-RIB, then live; ready() rejects with a clear error after waitMs', async () => {
    const r = rig();
    const early = r.source.ready(5000);
    r.timers.advance(5000);
    await assert.rejects(early, (err: Error & { code?: string }) => err.code === 'not-ready' && /no session up \(neighbors: 10\.0\.0\.1\)/.test(err.message));
    assert.equal(r.source.status().freshness, 'converging');
    const ready = r.source.ready(5000);
    await converge(r);
    await ready;
    assert.equal(r.source.status().freshness, 'live');
    assert.equal(r.source.status().links, 1);
  });

  it('session down keeps the graph, marks it stale with its age; the reconnect sweeps what was not re-announced', async () => {
    const r = rig();
    await converge(r);
    r.current().say(state('down'));
    await flush();
    r.timers.advance(7000);
    let status = r.source.status();
    assert.equal(status.freshness, 'stale');
    assert.equal(status.staleAgeMs, 7000);
    assert.equal(status.nodes, 2);
    assert.equal(status.links, 1);
    r.current().say(state('up'), announce(node('1.1.1.1'), node('2.2.2.2')));
    await flush();
    assert.equal(r.source.status().freshness, 'stale', 'stale until End-of-RIB');
    assert.equal(r.source.status().links, 1);
    r.current().say(eor);
    await flush();
    status = r.source.status();
    assert.equal(status.freshness, 'live');
    assert.equal(status.links, 0, 'the link not announced again is gone');
    assert.equal(status.nodes, 2);
  });

  it('restarts an exited ExaBGP with doubling backoff, reset after a stable run', async () => {
    const r = rig({ backoffInitialMs: 500, stableMs: 60_000 });
    await converge(r);
    for (const expected of [500, 1000, 2000]) {
      r.current().emit('exit', 1, null);
      await flush();
      assert.match(r.logs.at(-1)!, new RegExp(`exited with code 1; restarting in ${expected} ms`));
      assert.equal(r.source.status().exabgpPid, null);
      r.timers.advance(expected);
    }
    assert.equal(r.launched.length, 4);
    assert.equal(r.source.status().restarts, 3);
    assert.equal(r.source.status().freshness, 'stale');
    assert.equal(r.source.status().links, 1, 'the last graph is kept across restarts');
    r.timers.advance(60_000);
    r.current().emit('exit', 1, null);
    await flush();
    assert.match(r.logs.at(-1)!, /restarting in 500 ms/);
  });

  it('SIGKILLs a spinning, silent ExaBGP and restarts it', async () => {
    const r = rig({ spinMs: 5000, checkIntervalMs: 1000, backoffInitialMs: 100 });
    await converge(r);
    const hung = r.current();
    for (let i = 0; i < 6; i++) {
      hung.cpuSeconds += 0.35; // a third of a core: what a spin gets on a busy 2-core machine
      r.timers.advance(1000);
    }
    await flush();
    assert.deepEqual(hung.signals, ['SIGKILL']);
    assert.match(r.source.status().lastRestartReason!, /cpu spin/);
    r.timers.advance(100);
    assert.equal(r.launched.length, 2);
  });

  it('does not kill a busy ExaBGP that keeps printing', async () => {
    const r = rig({ spinMs: 5000, checkIntervalMs: 1000 });
    await converge(r);
    for (let i = 0; i < 20; i++) {
      r.current().cpuSeconds += 1;
      r.current().say(announce(node(`9.9.9.${i}`)));
      await flush();
      r.timers.advance(1000);
    }
    assert.deepEqual(r.current().signals, []);
  });

  it('SIGKILLs an ExaBGP silent past the hold time with a session up, but not one with no session', async () => {
    const r = rig({ checkIntervalMs: 1000 });
    r.timers.advance(60_000);
    assert.deepEqual(r.current().signals, [], 'no session: silence is expected');
    await converge(r);
    r.timers.advance(14_000); // hold time 9 s + 5 s
    assert.deepEqual(r.launched[0]!.signals, ['SIGKILL']);
    await flush();
    assert.match(r.source.status().lastRestartReason!, /silent for 14 s/);
  });

  it('close() sends SIGTERM, then SIGKILL to an ExaBGP that ignores it, and restarts nothing', async () => {
    const r = rig();
    await converge(r);
    r.current().honoursTerm = false;
    const closed = r.source.close();
    r.timers.advance(2000);
    await closed;
    assert.deepEqual(r.current().signals, ['SIGTERM', 'SIGKILL']);
    r.timers.advance(120_000);
    assert.equal(r.launched.length, 1);
  });
});
