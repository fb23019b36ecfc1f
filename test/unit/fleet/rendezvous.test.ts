/**
 * Rendezvous assignment without a database: targets spread evenly over the agents serving their group,
 * paths only to an agent on their node, an agent's leaving moves only its own items and its return
 * brings back exactly those, and an item no agent can run has no one (unmonitored). The runner-up is who
 * takes an item when its agent leaves, so each agent knows whose expiry would hand it work.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canRun, preferredAgent, rankedAgents, type EligibleAgent, type WorkKey } from '../../../src/fleet/rendezvous.js';
import { departuresOnly, membership, planRebalance, type ScopeItem } from '../../../src/fleet/work-assignment.js';

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

  it('ranks second the agent that gets the item when the first leaves', () => {
    for (let i = 0; i < 500; i++) {
      const [first, second] = rankedAgents(target(i), agents);
      assert.equal(first, preferredAgent(target(i), agents));
      assert.equal(
        second,
        preferredAgent(
          target(i),
          agents.filter((a) => a.agentId !== first),
        ),
        `t${i}`,
      );
    }
    const path: WorkKey = { routeId: 'p1', kind: 'path', sourceNode: 'r4', targetGroup: null, probeKind: 'gre' };
    assert.deepEqual(rankedAgents(path, agents), ['a4', null], 'only one agent stands on r4');
  });

  it('names as heirs exactly the agents whose items would come to this one if they left', () => {
    const session = (id: string) => `session-${id}`;
    const items: ScopeItem[] = Array.from({ length: 300 }, (_, i) => {
      const holder = preferredAgent(target(i), agents)!;
      return { ...target(i), holder, holderSession: session(holder) };
    });
    const me = { fleet: 'f', agentId: 'a5', sessionId: session('a5') };
    const plan = planRebalance(items, me, agents);
    const expected = new Set(
      items
        .filter(
          (item) =>
            item.holder !== 'a5' &&
            preferredAgent(
              item,
              agents.filter((a) => a.agentId !== item.holder),
            ) === 'a5',
        )
        .map((item) => item.holder!),
    );
    assert.ok(expected.size > 0);
    assert.deepEqual([...plan.heirOf].sort(), [...expected].sort());
    assert.deepEqual(plan.release, [], 'holds nothing that is not its own');
    assert.deepEqual(
      plan.want.sort(),
      items
        .filter((item) => item.holder === 'a5')
        .map((item) => item.routeId)
        .sort(),
    );
    // Items it holds that another should have are released; who inherits from whom depends on the
    // ranking alone, not on who holds an item in the meantime.
    const mine = items.map((item) => ({ ...item, holder: 'a5', holderSession: session('a5') }));
    const released = planRebalance(mine, me, agents);
    assert.equal(released.release.length, mine.filter((item) => preferredAgent(item, agents) !== 'a5').length);
    assert.deepEqual([...released.heirOf].sort(), [...expected].sort());
    assert.equal(
      planRebalance(
        items,
        me,
        agents.filter((a) => a.agentId === 'a5'),
      ).heirOf.size,
      0,
      "alone, it is nobody's heir",
    );
  });

  it('tells a fleet that only lost agents from one where any joined or changed', () => {
    const before = membership(agents);
    assert.deepEqual(departuresOnly(before, membership(agents.filter((a) => a.agentId !== 'a3' && a.agentId !== 'a7'))), ['a3', 'a7']);
    assert.equal(departuresOnly(before, membership(agents)), null, 'nobody left');
    assert.equal(departuresOnly(before, membership([...agents.slice(1), agent('new', 'r0')])), null, 'one left, one joined');
    assert.equal(departuresOnly(before, membership([agent('a0', 'r0', ['tcp']), ...agents.slice(2)])), null, 'one left, one lost its GRE');
    assert.equal(departuresOnly(before, membership([{ ...agents[0]!, targetGroups: ['db'] }, ...agents.slice(2)])), null, 'one left, one changed groups');
  });
});
