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
