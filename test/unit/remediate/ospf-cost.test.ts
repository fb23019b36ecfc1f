/**
 * The lab's isolate/restore helper: both ends of the link named as pathmon labels it, each router's
 * vtysh in its own namespace with its own vty socket directory, the cost put back from the lab plan.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { labPlan } from '../../../lab/lab-plan.js';
import { ospfCostChanges } from '../../../lab/remediate/ospf-cost.js';

const plan = labPlan('rtest', {
  routers: [{ name: 'R4' }, { name: 'R6' }, { name: 'R-7' }],
  hosts: [],
  links: [
    { id: 'l46', a: 'R4', aAddress: '10.0.46.0', b: 'R6', bAddress: '10.0.46.1', prefixLength: 31, metric: 20 },
    { id: 'l67', a: 'R6', aAddress: '10.0.67.0', b: 'R-7', bAddress: '10.0.67.1', prefixLength: 31 },
  ],
} as unknown as Parameters<typeof labPlan>[1]);

describe('lab ospf-cost', () => {
  it('raises the cost on both ends, each in its namespace through its own vty socket', () => {
    const changes = ospfCostChanges(plan, '/run/pathmon/labs/rtest', 'R4↔R6', 65535);
    assert.deepEqual(
      changes.map((c) => [c.router, c.namespace, c.interfaceName, c.cost]),
      [
        ['R4', 'rtest.R4', 'l46-R6', 65535],
        ['R6', 'rtest.R6', 'l46-R4', 65535],
      ],
    );
    assert.deepEqual(changes[0]!.argv, [
      'ip',
      'netns',
      'exec',
      'rtest.R4',
      'vtysh',
      '--vty_socket',
      '/run/pathmon/labs/rtest/bgp-ls/frr/R4',
      '-c',
      'configure terminal',
      '-c',
      'interface l46-R6',
      '-c',
      'ip ospf cost 65535',
    ]);
  });

  it("puts back the lab's configured cost, and reads names holding '-'", () => {
    assert.deepEqual(
      ospfCostChanges(plan, '/x', 'R6→R4', null).map((c) => c.cost),
      [20, 20],
    );
    assert.deepEqual(
      ospfCostChanges(plan, '/x', 'R6-R-7', null).map((c) => [c.router, c.interfaceName]),
      [
        ['R6', 'l67-R-7'],
        ['R-7', 'l67-R6'],
      ],
    );
  });

  it('refuses a link that names no two nodes of the lab', () => {
    assert.throws(() => ospfCostChanges(plan, '/x', 'R4↔R9', 100), /names no two nodes of lab rtest/);
  });
});
