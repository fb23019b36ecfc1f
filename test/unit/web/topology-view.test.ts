import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { linkPaint, topologyMap, type MapLink, type TopologyMap } from '../../../src/web/topology-view.js';
import { layeredLayout } from '../../../src/web/topology-layout.js';
import { RecordedMonitor } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { join } from 'node:path';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const NOW = 1_700_000_000_000;

function directed(map: TopologyMap, from: string, to: string): MapLink {
  const link = map.links.find((candidate) => candidate.from === from && candidate.to === to);
  assert.ok(link, `${from}→${to} on the map`);
  return link;
}

describe('topology map', () => {
  it('lays the lab out left to right from the prober, the same way every time', () => {
    const nodes = ['dev1', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'dev2'].map((id) => ({ id, name: id }));
    const edges = [
      ['dev1', 'R1'],
      ['R1', 'R2'],
      ['R1', 'R3'],
      ['R2', 'R4'],
      ['R3', 'R5'],
      ['R2', 'R5'],
      ['R3', 'R4'],
      ['R4', 'R6'],
      ['R5', 'R6'],
      ['R6', 'dev2'],
    ].map(([from, to]) => ({ from: from!, to: to! }));
    const first = layeredLayout(nodes, edges, ['dev1']);
    assert.deepEqual(
      ['dev1', 'R1', 'R2', 'R4', 'R6', 'dev2'].map((id) => first.get(id)!.x),
      [0, 1, 2, 3, 4, 5],
    );
    assert.equal(first.get('R2')!.y < first.get('R3')!.y, true);
    assert.deepEqual(layeredLayout([...nodes].reverse(), [...edges].reverse(), ['dev1']), first);
  });

  it('places nodes of a second component after the first', () => {
    const placed = layeredLayout(
      [
        { id: 'a', name: 'a' },
        { id: 'b', name: 'b' },
        { id: 'z', name: 'z' },
      ],
      [{ from: 'a', to: 'b' }],
      ['a'],
    );
    assert.equal(placed.get('z')!.x, 2);
  });

  it("keeps each link's worst crossing path state, and lists the paths", async () => {
    const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { nowMs: NOW, historyHours: 1, incident: false });
    const across = monitor.pathsAcross('R2', 'R4');
    assert.ok(across.length > 0 && across.length < monitor.paths().length);
    await monitor.setState(across[0]!.record.id, 'DOWN');
    await monitor.setState(across[1]!.record.id, 'DEGRADED');

    const map = topologyMap(monitor);
    const r2r4 = map.links.filter((link) => (link.from === 'R2' && link.to === 'R4') || (link.from === 'R4' && link.to === 'R2'));
    assert.equal(r2r4.length, 2);
    for (const link of r2r4) {
      assert.equal(link.state, 'DOWN');
      assert.deepEqual([...link.pathIds].sort(), across.map((path) => path.record.id).sort());
    }
    // The host link behind R6 is not probed (a host does not decapsulate): no state, no paths.
    const hostLink = map.links.find((link) => link.from === 'R6' && link.to === 'dev2')!;
    assert.equal(hostLink.state, null);
    assert.deepEqual(hostLink.pathIds, []);
    // A link crossed only by paths that are UP stays UP.
    const clean = map.links.find((link) => link.pathIds.length > 0 && link.pathIds.every((id) => monitor.path(id).state === 'UP'));
    if (clean) assert.equal(clean.state, 'UP');
  });

  it("paints only the blamed direction of a one-way incident red; its reverse and the failing paths' other links stay green", async () => {
    const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { nowMs: NOW, historyHours: 1, incident: false });
    const open = monitor.incidents();
    assert.equal(open.length, 1);
    // The paths the incident explains are DOWN, as the monitor would have them: they must not light the map.
    for (const id of open[0]!.explainedPaths) await monitor.setState(id, 'DOWN');
    const map = topologyMap(monitor);
    const blamed = directed(map, 'R4', 'R6');
    assert.equal(blamed.paint, 'red');
    assert.equal(blamed.incident?.kind, 'down');
    assert.equal(blamed.incident?.direction, 'one-way');
    assert.equal(blamed.estimate?.lossRatio, 1);
    const reverse = directed(map, 'R6', 'R4');
    assert.equal(reverse.paint, 'green');
    assert.equal(reverse.incident, null);
    assert.equal(reverse.estimate?.lossRatio, 0);
    assert.deepEqual(
      map.links.filter((link) => link.paint === 'red').map((link) => `${link.from}→${link.to}`),
      ['R4→R6'],
    );
    // Links of the explained (DOWN) paths carry no path cue: the incident explains them.
    assert.equal(map.links.filter((link) => link.pathCue !== null).length, 0);
    // The host link behind R6 is probed by nothing: grey.
    assert.equal(directed(map, 'R6', 'dev2').paint, 'grey');
  });

  it('paints delay amber, both directions when both are impaired, and follows the incident away', async () => {
    const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { nowMs: NOW, historyHours: 1, incident: false, linkIncidents: false });
    assert.equal(topologyMap(monitor).links.filter((link) => link.paint === 'red' || link.paint === 'amber').length, 0);
    monitor.impairOneWay('R2', 'R4', { delayMs: 20 });
    await monitor.round(NOW + 60_000);
    let map = topologyMap(monitor);
    assert.equal(directed(map, 'R2', 'R4').paint, 'amber');
    assert.equal(directed(map, 'R4', 'R2').paint, 'green');
    monitor.impair('R2', 'R4', { lossPct: 30 });
    await monitor.round(NOW + 120_000);
    map = topologyMap(monitor);
    assert.equal(directed(map, 'R2', 'R4').paint, 'red');
    assert.equal(directed(map, 'R4', 'R2').paint, 'red');
    assert.equal(directed(map, 'R2', 'R4').incident?.direction, 'both');
    monitor.impair('R2', 'R4', {});
    await monitor.round(NOW + 180_000);
    map = topologyMap(monitor);
    assert.equal(directed(map, 'R2', 'R4').paint, 'green');
    assert.equal(directed(map, 'R2', 'R4').incident, null);
  });

  it('shows failing paths that no incident explains only as a faint cue on their links', async () => {
    const monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { nowMs: NOW, historyHours: 1, incident: false, linkIncidents: false });
    const victim = monitor.pathsAcross('R3', 'R5')[0]!;
    await monitor.setState(victim.record.id, 'DEGRADED');
    const map = topologyMap(monitor);
    const cued = map.links
      .filter((link) => link.pathCue === 'DEGRADED')
      .map((link) => link.key)
      .sort();
    assert.deepEqual(cued, [...new Set(victim.record.linkKeys)].sort());
    assert.ok(
      map.links.every((link) => link.paint !== 'red' && link.paint !== 'amber'),
      'a path alone never paints a link',
    );
  });

  it('maps incident kinds to paint', () => {
    assert.equal(linkPaint('down', true), 'red');
    assert.equal(linkPaint('loss', true), 'red');
    assert.equal(linkPaint('delay', true), 'amber');
    assert.equal(linkPaint(null, true), 'green');
    assert.equal(linkPaint(null, false), 'grey');
  });
});
