/**
 * Rendezvous assignment without a database: targets spread evenly over the agents serving their group,
 * paths only to an agent on their node, an agent's leaving moves only its own items and its return
 * brings back exactly those, and an item no agent can run has no one (unmonitored).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canRun, preferredAgent, type EligibleAgent, type WorkKey } from '../../../src/fleet/rendezvous.js';

const agent = (agentId: string, node: string, probeKinds: EligibleAgent['probeKinds'] = ['gre', 'icmp', 'tcp', 'udp']): EligibleAgent => ({ agentId, node, targetGroups: ['web'], probeKinds });
const target = (i: number): WorkKey => ({ routeId: `t${i}`, kind: 'target', sourceNode: null, targetGroup: 'web', probeKind: 'tcp' });
const agents = Array.from({ length: 10 }, (_, i) => agent(`a${i}`, `r${i}`));

describe('fleet rendezvous assignment', () => {
  it('spreads 10,000 targets over 10 agents within 15 % of even', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const who = preferredAgent(target(i), agents)!;
      counts.set(who, (counts.get(who) ?? 0) + 1);
    }
    assert.equal(counts.size, 10);
    for (const [who, n] of counts) assert.ok(n > 850 && n < 1150, `${who} has ${n}`);
  });

  it("moves only the leaving agent's targets, and brings exactly those back when it returns", () => {
    const before = Array.from({ length: 2000 }, (_, i) => preferredAgent(target(i), agents));
    const without = agents.filter((a) => a.agentId !== 'a3');
    const during = Array.from({ length: 2000 }, (_, i) => preferredAgent(target(i), without));
    for (let i = 0; i < 2000; i++) {
      if (before[i] === 'a3') assert.notEqual(during[i], 'a3');
      else assert.equal(during[i], before[i], `t${i} moved though its agent stayed`);
    }
    assert.deepEqual(
      Array.from({ length: 2000 }, (_, i) => preferredAgent(target(i), agents)),
      before,
    );
  });

  it('gives a path only to an agent on its node with GRE, and nobody when none is', () => {
    const path: WorkKey = { routeId: 'p1', kind: 'path', sourceNode: 'r4', targetGroup: null, probeKind: 'gre' };
    assert.equal(preferredAgent(path, agents), 'a4');
    assert.equal(
      preferredAgent(
        path,
        agents.filter((a) => a.agentId !== 'a4'),
      ),
      null,
    );
    assert.equal(canRun(agent('x', 'r4', ['tcp', 'udp']), path), false, 'no raw sockets: no GRE');
    assert.equal(canRun(agent('x', 'r4', ['tcp']), { ...target(1), probeKind: 'icmp' }), false);
    assert.equal(canRun({ ...agent('x', 'r4'), targetGroups: ['db'] }, target(1)), false, 'another group');
  });
});
