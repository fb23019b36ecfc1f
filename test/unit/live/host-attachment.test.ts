/**
 * Hosts attached by configuration to a routers-only graph (what BGP-LS gives): the router found from
 * the prefix it announces, the router's address derived for /31 and /30 or required, clashes with other
 * nodes refused, a file's own host left alone, and the attachment following the graph: a router or
 * prefix withdrawn takes the host's paths away, announced again brings back the same paths (same ids).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  HostAttachedSource,
  parseHostArgument,
  Replanner,
  StaticTopologySource,
  TopologySourceError,
  type PlanDiff,
  type PlanTarget,
  type TopologyChange,
  type TopologySource,
} from '../../../src/live/index.js';
import { applyWithChanges } from '../../../src/live/graph-changes.js';
import { planPaths } from '../../../src/plan-paths.js';
import { buildTopology, hostDeclarationProblems, hostPlacement, parseYamlTopology, routerAddressFor, type TopologyGraph, type TopologyEvent } from '../../../topology/index.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { FakeTimers } from './fake-timers.js';

const labFile = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const labEvents = parseYamlTopology(readFileSync(labFile, 'utf8'), labFile).events;
const dev1 = { name: 'dev1', address: '10.2.0.0/31' };
const dev2 = { name: 'dev2', address: '10.2.0.2/31' };
const R1_PREFIX: TopologyEvent = { kind: 'prefix-up', nodeId: 'R1', prefix: '10.2.0.0/31', metric: 10 };
const R6_PREFIX: TopologyEvent = { kind: 'prefix-up', nodeId: 'R6', prefix: '10.2.0.2/31', metric: 10 };

/** The lab's routers and router links only, plus the host subnets as prefixes: what BGP-LS describes. */
function routersOnlyEvents(): TopologyEvent[] {
  const isHost = (id: string) => id === 'dev1' || id === 'dev2';
  const routers = labEvents.filter((e) => (e.kind === 'node-up' ? !isHost(e.node.id) : e.kind === 'link-up' ? !isHost(e.link.from) && !isHost(e.link.to) : true));
  return [...routers, R1_PREFIX, R6_PREFIX];
}

/** A graph the test changes by hand, announcing each change like a live feed (prefix lines included). */
class HandSource implements TopologySource {
  readonly graph: TopologyGraph;
  private readonly listeners = new Set<(change: TopologyChange) => void>();
  constructor(
    private readonly timers: FakeTimers,
    events: TopologyEvent[] = routersOnlyEvents(),
  ) {
    this.graph = buildTopology(events);
  }
  status() {
    return { spec: 'exabgp:hand', freshness: 'live' as const, sessionUp: true, staleSinceMs: null, lastChangeMs: null, skippedLines: 0, restarts: 0 };
  }
  ready() {
    return Promise.resolve();
  }
  onChange(listener: (change: TopologyChange) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  close() {
    return Promise.resolve();
  }
  change(events: TopologyEvent[]): void {
    const changes = events.flatMap((event) => applyWithChanges(this.graph, event));
    for (const listener of [...this.listeners]) listener({ events, changes, receivedAtNs: this.timers.nowNs() });
  }
}

const target: PlanTarget = { group: 'g', from: 'dev1', to: 'dev2', bounds: { maxHops: 16, maxPaths: 1000 }, mode: 'loop', fromHost: dev1, toHost: dev2 };
const ids = (paths: { path: { id: string } }[]) => paths.map((p) => p.path.id).sort();
const quietLog = () => {};

describe('host placement', () => {
  it('attaches a host to the router announcing its subnet, with the links the lab file has for it', () => {
    const graph = buildTopology(routersOnlyEvents());
    const placement = hostPlacement(graph, dev1);
    assert.equal(placement.kind, 'attached');
    if (placement.kind !== 'attached') return;
    assert.equal(placement.routerName, 'R1');
    assert.equal(placement.routerAddress, '10.2.0.1');
    const fileLinks = buildTopology(labEvents)
      .links()
      .filter((l) => l.from === 'dev1' || l.to === 'dev1');
    assert.deepEqual(
      placement.links.map((l) => ({ ...l })).sort((a, b) => a.key.localeCompare(b.key)),
      fileLinks.map((l) => ({ ...l })).sort((a, b) => a.key.localeCompare(b.key)),
    );
  });

  it('picks the most specific prefix, so an aggregate elsewhere does not capture the host', () => {
    const graph = buildTopology([...routersOnlyEvents(), { kind: 'prefix-up', nodeId: 'R3', prefix: '10.2.0.0/16' }]);
    const placement = hostPlacement(graph, dev2);
    assert.equal(placement.kind === 'attached' && placement.routerName, 'R6');
  });

  it('derives the router address for /31 and /30, and requires it for other lengths', () => {
    assert.equal(routerAddressFor({ name: 'h', address: '10.2.0.1/31' }), '10.2.0.0');
    assert.equal(routerAddressFor({ name: 'h', address: '10.3.0.1/30' }), '10.3.0.2');
    assert.equal(routerAddressFor({ name: 'h', address: '10.3.0.2/30' }), '10.3.0.1');
    assert.equal(routerAddressFor({ name: 'h', address: '10.9.0.5/24', routerAddress: '10.9.0.1' }), '10.9.0.1');
    assert.deepEqual(
      hostDeclarationProblems({ name: 'h', address: '10.9.0.5/24' }).map((p) => p.field),
      ['routerAddress'],
    );
    assert.deepEqual(
      hostDeclarationProblems({ name: 'h', address: '10.3.0.0/30' }).map((p) => p.field),
      ['address'],
      'network address of a /30',
    );
    assert.deepEqual(
      hostDeclarationProblems({ name: 'h', address: '10.9.0.5/24', routerAddress: '10.9.1.1' }).map((p) => p.field),
      ['routerAddress'],
      'outside the subnet',
    );
    assert.deepEqual(
      hostDeclarationProblems({ name: 'h', address: '10.2.0.0/31', routerAddress: '10.2.0.0' }).map((p) => p.field),
      ['routerAddress'],
      'its own address',
    );
    assert.deepEqual(
      hostDeclarationProblems({ name: 'h', address: '10.2.0.0' }).map((p) => p.field),
      ['address'],
    );
  });

  it('is detached, with the reason, when no router announces the subnet or the named router is missing', () => {
    const graph = buildTopology(routersOnlyEvents());
    const none = hostPlacement(graph, { name: 'h', address: '192.0.2.0/31' });
    assert.equal(none.kind, 'detached');
    assert.match(none.kind === 'detached' ? none.reason : '', /no router announces a prefix holding 192\.0\.2\.0\/31/);
    const named = hostPlacement(graph, { name: 'h', address: '192.0.2.0/31', router: 'R9' });
    assert.match(named.kind === 'detached' ? named.reason : '', /router R9 is not in the topology/);
    const given = hostPlacement(graph, { name: 'h', address: '192.0.2.0/31', router: 'R3' });
    assert.equal(given.kind === 'attached' && given.routerName, 'R3');
  });

  it('reports two routers announcing the same prefix as ambiguous rather than guessing', () => {
    const graph = buildTopology([...routersOnlyEvents(), { kind: 'prefix-up', nodeId: 'R2', prefix: '10.2.0.0/31' }]);
    const placement = hostPlacement(graph, dev1);
    assert.match(placement.kind === 'detached' ? placement.reason : '', /R1 and R2 all announce 10\.2\.0\.0\/31/);
  });
});

describe('--host', () => {
  it('parses NAME=ADDRESS/LEN, optionally @ROUTER[:ROUTER_ADDRESS]', () => {
    assert.deepEqual(parseHostArgument('dev1=10.2.0.0/31'), dev1);
    assert.deepEqual(parseHostArgument('srv=10.9.0.5/24@R3:10.9.0.1'), { name: 'srv', address: '10.9.0.5/24', router: 'R3', routerAddress: '10.9.0.1' });
    for (const bad of ['dev1', '=10.2.0.0/31', 'dev1=10.2.0.0', 'dev1=10.9.0.5/24', 'dev1=10.2.0.0/31@R1:nope']) {
      assert.throws(
        () => parseHostArgument(bad),
        (e: unknown) => e instanceof TopologySourceError && e.code === 'bad-host',
        bad,
      );
    }
  });
});

describe('HostAttachedSource', () => {
  it('plans dev1 to dev2 on a routers-only graph: the 8 paths of the lab file, with the same ids', async () => {
    const source = new HostAttachedSource(new HandSource(new FakeTimers()), [dev1, dev2], { log: quietLog });
    await source.ready(1000);
    const live = planPaths(source.graph, 'dev1', 'dev2', { maxHops: 16, maxPaths: 1000 }, 'loop').planned;
    const file = planPaths(buildTopology(labEvents), 'dev1', 'dev2', { maxHops: 16, maxPaths: 1000 }, 'loop').planned;
    assert.equal(live.length, 8);
    assert.deepEqual(ids(live), ids(file));
    assert.deepEqual(
      live.map((p) => p.hops?.source),
      Array(8).fill('10.2.0.0'),
    );
    assert.deepEqual(
      source.status().hosts!.map((h) => [h.name, h.state, h.router]),
      [
        ['dev1', 'attached', 'R1'],
        ['dev2', 'attached', 'R6'],
      ],
    );
  });

  it('leaves a host the file already has alone, and refuses a name that belongs to a router', async () => {
    const file = new StaticTopologySource(labFile);
    const before = file.graph
      .links()
      .map((l) => l.key)
      .sort();
    const attached = new HostAttachedSource(file, [dev1], { log: quietLog });
    await attached.ready(1000);
    assert.deepEqual(
      attached.graph
        .links()
        .map((l) => l.key)
        .sort(),
      before,
    );
    assert.equal(attached.hostStatus()[0]!.state, 'in-topology');

    const clash = new HostAttachedSource(new HandSource(new FakeTimers()), [{ name: 'R2', address: '10.2.0.0/31' }], { log: quietLog });
    await assert.rejects(clash.ready(1000), (e: unknown) => e instanceof TopologySourceError && e.code === 'host-clash' && /R2/.test(e.message));
    assert.equal(clash.graph.node('R2').kind, 'router', 'the router is untouched');
  });
});

describe('Replanner with hosts in its targets', () => {
  function setup() {
    const timers = new FakeTimers();
    const source = new HandSource(timers);
    const replanner = new Replanner(source, [target], { debounceMs: 100, timers, log: quietLog });
    const first = replanner.start();
    const diffs: PlanDiff[] = [];
    replanner.onPlan((diff) => diffs.push(diff));
    return { timers, source, replanner, first, diffs };
  }

  it('attaches the hosts itself: 8 paths on a routers-only graph', () => {
    const { first } = setup();
    assert.equal(first.added.length, 8);
    assert.deepEqual(first.problems, []);
  });

  it('router withdrawn: every path gone and the reason told; announced again: the same 8 paths back', () => {
    const { timers, source, first, diffs } = setup();
    const r6 = source.graph.node('R6');
    const r6Links = source.graph.links().filter((l) => (l.from === 'R6' || l.to === 'R6') && l.from !== 'dev2' && l.to !== 'dev2');
    source.change([{ kind: 'node-down', nodeId: 'R6' }]);
    timers.advance(100);
    assert.equal(diffs.length, 1);
    assert.deepEqual(ids(diffs[0]!.gone), ids(first.added));
    assert.equal(diffs[0]!.kept.length + diffs[0]!.added.length, 0);
    assert.equal(diffs[0]!.problems.length, 1);

    // BGP-LS gives no order: the node and links first, the prefix in a later batch.
    source.change([{ kind: 'node-up', node: r6 }, ...r6Links.map((link): TopologyEvent => ({ kind: 'link-up', link }))]);
    timers.advance(100);
    assert.equal(diffs.length, 2);
    assert.equal(diffs[1]!.added.length, 0, 'dev2 stays detached until its prefix is announced');
    source.change([R6_PREFIX]);
    timers.advance(100);
    assert.equal(diffs.length, 3);
    assert.deepEqual(ids(diffs[2]!.added), ids(first.added));
    assert.deepEqual(diffs[2]!.problems, []);
  });

  it('prefix withdrawn alone: the host is detached and its paths gone; announced: back with the same ids', () => {
    const { timers, source, first, diffs } = setup();
    source.change([{ kind: 'prefix-down', nodeId: 'R1', prefix: '10.2.0.0/31' }]);
    timers.advance(100);
    assert.deepEqual(ids(diffs[0]!.gone), ids(first.added));
    assert.equal(source.graph.linksBetween('dev1', 'R1').length, 0);
    source.change([R1_PREFIX]);
    timers.advance(100);
    assert.deepEqual(ids(diffs[1]!.added), ids(first.added));
  });

  it('refuses a host name that a router has, when it starts', () => {
    const timers = new FakeTimers();
    const replanner = new Replanner(new HandSource(timers), [{ ...target, from: 'R1', fromHost: { name: 'R1', address: '10.2.0.0/31' } }], { timers, log: quietLog });
    assert.throws(
      () => replanner.start(),
      (e: unknown) => e instanceof TopologySourceError && e.code === 'host-clash',
    );
  });
});
