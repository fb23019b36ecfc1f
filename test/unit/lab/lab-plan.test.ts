import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlTopology } from '../../../topology/index.js';
import { labPlan, subnetOf } from '../../../lab/lab-plan.js';
import { repoRoot } from '../../helpers/repo-root.js';

const spec = () => parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/nanog76.yaml'), 'utf8'), 'nanog76.yaml').spec;

test('one namespace per node, prefixed by the lab name', () => {
  const plan = labPlan('pmtest', spec());
  assert.deepEqual(plan.nodes.map((node) => node.namespace).sort(), ['dev1', 'dev2', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6'].map((n) => `pmtest.${n}`).sort());
});

test('interfaces carry both ends of their link and fit Linux name limits', () => {
  const plan = labPlan('pmtest', spec());
  const r1 = plan.nodes.find((node) => node.name === 'R1')!;
  const toR2 = r1.interfaces.find((iface) => iface.peer === 'R2')!;
  assert.equal(toR2.address, '10.1.1.1');
  assert.equal(toR2.peerAddress, '10.1.1.0');
  for (const node of plan.nodes) {
    const names = node.interfaces.map((iface) => iface.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.every((name) => name.length <= 15));
  }
});

test('every node has a route to every subnet it is not on, and hosts are never transit', () => {
  const plan = labPlan('pmtest', spec());
  const subnets = spec().links.map((link) => subnetOf(link.aAddress, link.prefixLength));
  for (const node of plan.nodes) {
    const own = new Set(node.interfaces.map((iface) => subnetOf(iface.address, iface.prefixLength)));
    const routed = new Set(node.routes.map((route) => route.prefix));
    assert.deepEqual([...subnets].filter((subnet) => !own.has(subnet)).sort(), [...routed].sort(), node.name);
  }
  const dev1 = plan.nodes.find((node) => node.name === 'dev1')!;
  assert.ok(dev1.routes.every((route) => route.via === '10.2.0.1'));
  const r6 = plan.nodes.find((node) => node.name === 'R6')!;
  const toDev1 = r6.routes.find((route) => route.prefix === '10.2.0.0/31')!;
  assert.ok(['10.1.1.13', '10.1.1.15'].includes(toDev1.via));
});

test('lab names that could collide with another lab are refused', () => {
  assert.throws(() => labPlan('has.dot', spec()), /lab name/);
  assert.throws(() => labPlan('', spec()), /lab name/);
});

test('subnetOf masks the host bits', () => {
  assert.equal(subnetOf('10.1.1.13', 31), '10.1.1.12/31');
  assert.equal(subnetOf('192.0.2.77', 24), '192.0.2.0/24');
  assert.equal(subnetOf('10.9.8.7', 0), '0.0.0.0/0');
});

// The fabric lab: a Clos joined to a WAN ring with a parallel pair (W1=W2, metrics 10 and 15), an
// expensive ring link (W4-W1, metric 100) and a dead end (D1).
const fabric = () => parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/fabric.yaml'), 'utf8'), 'fabric.yaml').spec;
const nodeOf = (plan: ReturnType<typeof labPlan>, name: string) => plan.nodes.find((node) => node.name === name)!;
const routeTo = (plan: ReturnType<typeof labPlan>, from: string, address: string, prefixLength = 31) => nodeOf(plan, from).routes.find((route) => route.prefix === subnetOf(address, prefixLength));

test('fabric: every node reaches every subnet it is not on, and hosts route only through their router', () => {
  const plan = labPlan('pmtest', fabric());
  const subnets = fabric().links.map((link) => subnetOf(link.aAddress, link.prefixLength));
  for (const node of plan.nodes) {
    const own = new Set(node.interfaces.map((iface) => subnetOf(iface.address, iface.prefixLength)));
    assert.deepEqual(node.routes.map((route) => route.prefix).sort(), subnets.filter((subnet) => !own.has(subnet)).sort(), node.name);
    if (node.kind === 'host') assert.equal(new Set(node.routes.map((route) => route.via)).size, 1, node.name);
  }
});

test('fabric: the parallel pair gets two interfaces, and routes over it take the cheaper link', () => {
  const spec = fabric();
  const plan = labPlan('pmtest', spec);
  const pair = spec.links.filter((link) => [link.a, link.b].sort().join() === 'W1,W2');
  assert.equal(pair.length, 2);
  const cheaper = pair.reduce((x, y) => (y.metric < x.metric ? y : x));
  const w1ToW2 = nodeOf(plan, 'W1').interfaces.filter((iface) => iface.peer === 'W2');
  assert.equal(w1ToW2.length, 2);
  assert.notEqual(w1ToW2[0]!.name, w1ToW2[1]!.name);
  // W1 reaches W3's host subnet through W2, over the cheaper of the two links.
  const toEp2 = routeTo(plan, 'W1', '10.20.9.4')!;
  const cheaperEnd = cheaper.a === 'W2' ? cheaper.aAddress : cheaper.bAddress;
  assert.equal(toEp2.via, cheaperEnd.split('/')[0]);
  assert.equal(toEp2.device, w1ToW2.find((iface) => iface.linkId === cheaper.id)!.name);
});

test('fabric: routes avoid the expensive ring link wherever a cheaper way exists', () => {
  const plan = labPlan('pmtest', fabric());
  const w4 = nodeOf(plan, 'W4');
  const expensive = w4.interfaces.find((iface) => iface.peer === 'W1')!;
  assert.equal(expensive.metric, 100);
  // From W4 the Clos and the prober are reached through W3, not straight over the 100 to W1.
  assert.equal(routeTo(plan, 'W4', '10.20.9.0')!.via, w4.interfaces.find((iface) => iface.peer === 'W3')!.peerAddress);
  // Even W1's own S1-W1 subnet is nearer the long way round (W3, W2, W1: 30 against 100).
  assert.equal(routeTo(plan, 'W4', '10.20.2.1')!.via, w4.interfaces.find((iface) => iface.peer === 'W3')!.peerAddress);
  // The dead end has one way out, so every route leaves through W4.
  const d1 = nodeOf(plan, 'D1');
  assert.deepEqual([...new Set(d1.routes.map((route) => route.via))], [d1.interfaces.find((iface) => iface.peer === 'W4')!.peerAddress]);
});
