/**
 * The Replanner on the nanog76 lab: first plan, a withdrawn link making exactly its paths gone (not
 * failing), a burst of changes debounced into one re-plan, the re-plan delay measured from the
 * change's arrival, paths coming back as added, and a vanished endpoint reported as a problem.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Replanner, StaticTopologySource, openTopologySource, type PlanTarget, type TopologyChange, type TopologySource } from '../../../src/live/index.js';
import { applyWithChanges } from '../../../src/live/graph-changes.js';
import type { TopologyEvent, TopologyGraph } from '../../../topology/index.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { FakeTimers } from './fake-timers.js';

const labFile = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const target: PlanTarget = { group: 'g', from: 'dev1', to: 'dev2', bounds: { maxHops: 16, maxPaths: 1000 }, mode: 'loop' };

/** A file's graph that the test changes by hand, announcing each change like a live source would. */
class HandSource implements TopologySource {
  private readonly inner = new StaticTopologySource(labFile);
  private readonly listeners = new Set<(change: TopologyChange) => void>();
  constructor(private readonly timers: FakeTimers) {}
  get graph(): TopologyGraph {
    return this.inner.graph;
  }
  status() {
    return this.inner.status();
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
    for (const listener of this.listeners) listener({ events, changes, receivedAtNs: this.timers.nowNs() });
  }
  linkKeysBetween(a: string, b: string): string[] {
    const id = (name: string) => this.graph.resolveNode(name);
    return [...this.graph.linksBetween(id(a), id(b)), ...this.graph.linksBetween(id(b), id(a))].map((l) => l.key);
  }
}

describe('Replanner', () => {
  it('plans every path first, then reports exactly the paths over a withdrawn link as gone', () => {
    const timers = new FakeTimers();
    const source = new HandSource(timers);
    const replanner = new Replanner(source, [target], { debounceMs: 200, timers });
    const first = replanner.start();
    assert.equal(first.added.length, 8);
    assert.equal(first.gone.length, 0);
    assert.equal(first.replanMs, null);

    const diffs: ReturnType<Replanner['start']>[] = [];
    replanner.onPlan((diff) => diffs.push(diff));
    const r4r6 = source.linkKeysBetween('R4', 'R6');
    const savedLinks = r4r6.map((key) => ({ ...source.graph.graph.getEdgeAttributes(key) }));
    // One direction now, the other 50 ms later: one re-plan, measured from the first.
    source.change([{ kind: 'link-down', linkKey: r4r6[0]! }]);
    timers.advance(50);
    source.change([{ kind: 'link-down', linkKey: r4r6[1]! }]);
    timers.advance(199);
    assert.equal(diffs.length, 0, 'debounce still running');
    timers.advance(1);
    assert.equal(diffs.length, 1);
    const diff = diffs[0]!;
    assert.equal(diff.gone.length, 4);
    assert.equal(diff.kept.length, 4);
    assert.equal(diff.added.length, 0);
    assert.ok(diff.gone.every((p) => p.path.names.includes('R4') && p.path.names.includes('R6')));
    assert.equal(diff.replanMs, 250);
    assert.deepEqual(diff.problems, []);

    // The link returns: the same four paths, with the same ids, come back as added.
    source.change(savedLinks.map((link) => ({ kind: 'link-up', link })));
    timers.advance(200);
    assert.equal(diffs.length, 2);
    assert.deepEqual(diffs[1]!.added.map((p) => p.path.id).sort(), diff.gone.map((p) => p.path.id).sort());
    assert.equal(replanner.current().length, 8);
    assert.equal(replanner.replanStats().replans, 2);
    replanner.close();
  });

  it('ignores session events and changes that cannot alter paths', () => {
    const timers = new FakeTimers();
    const source = new HandSource(timers);
    const replanner = new Replanner(source, [target], { timers });
    replanner.start();
    let plans = 0;
    replanner.onPlan(() => plans++);
    source.change([
      { kind: 'session', peer: '10.0.0.1', state: 'down', reason: 'test' },
      { kind: 'end-of-rib', peer: '10.0.0.1' },
    ]);
    timers.advance(1000);
    assert.equal(plans, 0);
    assert.equal(timers.pendingCount(), 0);
  });

  it('reports a target whose endpoint vanished as a problem, its paths as gone', () => {
    const timers = new FakeTimers();
    const source = new HandSource(timers);
    const replanner = new Replanner(source, [target, { ...target, group: 'h', to: 'R5' }], { timers });
    assert.equal(replanner.start().problems.length, 0);
    source.change([{ kind: 'node-down', nodeId: source.graph.resolveNode('dev2') }]);
    const diff = replanner.flush()!;
    assert.equal(diff.gone.length, 8);
    assert.equal(diff.problems.length, 1);
    assert.equal(diff.problems[0]!.target.to, 'dev2');
    assert.match(diff.problems[0]!.reason, /dev2/);
    // The other target's paths did not cross dev2: they are kept, not re-planned away.
    assert.ok(diff.kept.length > 0 && diff.kept.every((p) => p.group === 'h'));
  });

  it('openTopologySource reads a file as a static, ready source', async () => {
    const source = openTopologySource(labFile);
    await source.ready(0);
    assert.equal(source.status().freshness, 'static');
    assert.equal(source.status().nodes, 8);
    const replanner = new Replanner(source, [target]);
    assert.equal(replanner.start().added.length, 8);
    replanner.close();
    await source.close();
  });
});

describe('Replanner after removals (filtered, not searched again)', () => {
  it('gives exactly what a full search gives, over 40 random withdraw sequences on a k=4 fat-tree', async () => {
    const { fatTree, edgeSwitch } = await import('../../bench/fat-tree.js');
    const { buildTopology } = await import('../../../topology/index.js');
    const { planPaths } = await import('../../../src/plan-paths.js');
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 40; round++) {
      const tree = fatTree(4);
      const events: TopologyEvent[] = tree.switches.map((s) => ({ kind: 'node-up', node: { id: s.name, name: s.name, kind: 'router' } }));
      tree.edges.forEach(([a, b], j) => {
        events.push({ kind: 'link-up', link: { key: `${a}|${b}|10.0.${j}.0|10.0.${j}.1`, from: a, to: b, localAddress: `10.0.${j}.0`, neighborAddress: `10.0.${j}.1` } });
        events.push({ kind: 'link-up', link: { key: `${b}|${a}|10.0.${j}.1|10.0.${j}.0`, from: b, to: a, localAddress: `10.0.${j}.1`, neighborAddress: `10.0.${j}.0` } });
      });
      const timers = new FakeTimers();
      const graph = buildTopology(events);
      const listeners = new Set<(change: TopologyChange) => void>();
      const source: TopologySource = {
        graph,
        status: () => ({ spec: 't', freshness: 'live', sessionUp: true, staleSinceMs: null, lastChangeMs: null, skippedLines: 0, restarts: 0 }),
        ready: () => Promise.resolve(),
        onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
        close: () => Promise.resolve(),
      };
      const t: PlanTarget = { group: 'g', from: edgeSwitch(0, 0), to: edgeSwitch(3, 1), bounds: { maxHops: 6, maxPaths: 100_000 }, mode: round % 2 ? 'loop' : 'direct' };
      const replanner = new Replanner(source, [t], { timers });
      replanner.start();
      for (let step = 0; step < 3; step++) {
        const keys = graph.links().map((l) => l.key);
        const linkKey = keys[Math.floor(rand() * keys.length)]!;
        const removed = [{ kind: 'link-down' as const, linkKey }];
        const changes = removed.flatMap((e) => applyWithChanges(graph, e));
        for (const l of listeners) l({ events: removed, changes, receivedAtNs: timers.nowNs() });
        replanner.flush();
        let expected: { id: string; hops: string }[] = [];
        try {
          expected = planPaths(graph, t.from, t.to, t.bounds, t.mode).planned.map((p) => ({ id: p.path.id, hops: p.hops?.hops.join(' ') ?? 'unaddressable' }));
        } catch {
          expected = [];
        }
        const actual = replanner.current().map((p) => ({ id: p.path.id, hops: p.hops?.hops.join(' ') ?? 'unaddressable' }));
        const sort = (list: { id: string; hops: string }[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
        assert.deepEqual(sort(actual), sort(expected), `round ${round} step ${step}`);
      }
      replanner.close();
    }
  });
});
