import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { topologyMap } from '../../../src/web/topology-view.js';
import { layeredLayout } from '../../../src/web/topology-layout.js';
import { RecordedMonitor } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { join } from 'node:path';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const NOW = 1_700_000_000_000;

describe('topology map', () => {
  it('lays the lab out left to right from the prober, the same way every time', () => {
    const nodes = ['dev1', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'dev2'].map((id) => ({ id, name: id }));
    const edges = [
      ['dev1', 'R1'], ['R1', 'R2'], ['R1', 'R3'], ['R2', 'R4'], ['R3', 'R5'], ['R2', 'R5'], ['R3', 'R4'], ['R4', 'R6'], ['R5', 'R6'], ['R6', 'dev2'],
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
    const placed = layeredLayout([{ id: 'a', name: 'a' }, { id: 'b', name: 'b' }, { id: 'z', name: 'z' }], [{ from: 'a', to: 'b' }], ['a']);
    assert.equal(placed.get('z')!.x, 2);
  });

  it('colours each link by the worst state of the paths crossing it, and lists them', async () => {
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
});
