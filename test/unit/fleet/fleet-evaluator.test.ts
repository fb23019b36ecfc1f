/**
 * The fleet evaluator and the merged round without a database: other agents' published rounds are
 * handed in as the exchange's cache would hold them. What an operator would notice: a path or target
 * another agent measures gets its incident from the leader only; a follower opens nothing; a leader
 * decides nothing until it has resumed the store's open incidents, and then continues them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetError, FleetEvaluator, FleetOutcomeExchange, mergedOutcome, mergedPaths, PeerTransitions, type PeerRound } from '../../../src/fleet/index.js';
import { emptyFindings, type RoundOutcome } from '../../../src/monitor/index.js';
import type { IncidentRecord, PathStatus } from '../../../src/incidents/index.js';
import type { PathRecord, TransitionRecord } from '../../../src/store/records.js';
import { buildTopology } from '../../../topology/index.js';

const stats = (lossPct: number) => ({
  sent: 10,
  received: 10 - lossPct / 10,
  lossPct,
  late: 0,
  duplicates: 0,
  rttMs: lossPct === 100 ? null : { min: 1, avg: 1, max: 1, p50: 1, p95: 1, p99: 1 },
  jitterMs: null,
});

function record(id: string, linkKeys: string[] = []): PathRecord {
  return { id, group: 'web', fromNode: 'x', toNode: id, names: [`icmp ${id}`], hops: [], hopNames: [], linkKeys, firstSeenMs: 0, goneAtMs: null };
}

function transition(pathId: string, atMs: number, to: 'UP' | 'DOWN'): TransitionRecord {
  return {
    pathId,
    atMs,
    from: to === 'DOWN' ? 'UP' : 'DOWN',
    to,
    reason: `${to === 'DOWN' ? 'loss 100 %' : 'loss 0 %'} for 2 rounds`,
    evidence: { rounds: [], thresholds: { delayMs: 100, lossPct: 5 }, hysteresisRounds: 2 },
  };
}

function peer(agentId: string, roundAtMs: number, paths: PathStatus[], transitions: PeerRound['transitions'] = [], routes: PeerRound['routes'] = []): PeerRound {
  return { agentId, roundAtMs, routes, paths, transitions };
}

test('mergedOutcome: own routes first, then routes of the others that this agent does not have, each id once', () => {
  const own: RoundOutcome = { atMs: 10, routes: [{ kind: 'walk', id: 'w1', group: null, linkKeys: ['k1'], stats: stats(0) }] };
  const merged = mergedOutcome(own, [
    peer(
      'a',
      9,
      [],
      [],
      [
        { kind: 'walk', id: 'w1', group: null, linkKeys: ['k1'], stats: stats(100) },
        { kind: 'walk', id: 'w2', group: null, linkKeys: ['k2'], stats: stats(0) },
      ],
    ),
    peer(
      'b',
      8,
      [],
      [],
      [
        { kind: 'walk', id: 'w2', group: null, linkKeys: ['k2'], stats: stats(100) },
        { kind: 'path', id: 'p3', group: 'g', linkKeys: ['k3'], stats: stats(0) },
      ],
    ),
  ]);
  assert.equal(merged.atMs, 10);
  assert.deepEqual(
    merged.routes.map((r) => `${r.id}:${r.stats.lossPct}`),
    ['w1:0', 'w2:0', 'p3:0'],
  );
});

test("mergedPaths: a path this agent holds keeps its own state; one it does not hold takes the holder's; others' paths are added", () => {
  const own: PathStatus[] = [
    { record: record('held'), state: 'UP' },
    { record: record('not-held'), state: 'UP' },
  ];
  const merged = mergedPaths(own, (id) => id === 'held', [
    peer('a', 1, [
      { record: record('held'), state: 'DOWN' },
      { record: record('not-held'), state: 'DOWN' },
      { record: record('theirs'), state: 'DEGRADED' },
    ]),
  ]);
  assert.deepEqual(
    merged.map((s) => `${s.record.id} ${s.state}`),
    ['held UP', 'not-held DOWN', 'theirs DEGRADED'],
  );
});

test('PeerTransitions: each published transition is taken once; after a reset the kept ones are taken again', () => {
  const taken = new PeerTransitions();
  const down = { roundAtMs: 100, path: record('t1'), transition: transition('t1', 100, 'DOWN') };
  const up = { roundAtMs: 300, path: record('t1'), transition: transition('t1', 300, 'UP') };
  assert.deepEqual(
    taken.take([peer('a', 100, [], [down])]).map((t) => t.transition.to),
    ['DOWN'],
  );
  assert.deepEqual(taken.take([peer('a', 100, [], [down])]), [], 'the same row again: nothing new');
  assert.deepEqual(taken.take([peer('a', 200, [], [down])]), [], 'a round without transitions');
  assert.deepEqual(
    taken.take([peer('a', 300, [], [down, up])]).map((t) => t.transition.to),
    ['UP'],
  );
  taken.reset();
  assert.deepEqual(
    taken.take([peer('a', 300, [], [down, up])]).map((t) => t.transition.to),
    ['DOWN', 'UP'],
  );
});

test('FleetOutcomeExchange refuses a keptRounds that is not a whole number of 1 or more', () => {
  for (const keptRounds of [0, 1.5, -1]) {
    assert.throws(
      () =>
        new FleetOutcomeExchange({
          client: { query: async () => ({ rows: [], rowCount: 0 }), exec: async () => undefined },
          fleet: 'f',
          agentId: 'a',
          intervalMs: 1000,
          log: { info() {}, warn() {} },
          keptRounds,
        }),
      (error: unknown) => error instanceof FleetError && error.code === 'bad-value',
    );
  }
});

/** A fleet evaluator with localization off (path incidents only) whose leadership and peers a test sets. */
function evaluator(own: PathStatus[] = []) {
  const state = { leader: false, peers: [] as PeerRound[] };
  const graph = buildTopology([{ kind: 'node-up', node: { id: 'n1', name: 'R1', kind: 'router' } }]);
  const fleet = new FleetEvaluator({
    graph: () => graph,
    groups: () => [],
    paths: () => own,
    thresholds: { lossPct: 2, addedDelayMs: 1 },
    hysteresisRounds: 2,
    leads: () => state.leader,
    peers: () => state.peers,
    holds: () => false,
    localize: false,
  });
  const round = (atMs: number) => {
    const findings = emptyFindings();
    fleet.evaluate({ atMs, routes: [] }, findings);
    return findings.incidentChanges;
  };
  return { state, fleet, round };
}

test('a target another agent measures goes DOWN: the leader opens its incident from the published transition; a follower opens none', () => {
  const down = { roundAtMs: 1000, path: record('t1'), transition: transition('t1', 1000, 'DOWN') };
  const published = [peer('b', 1000, [{ record: record('t1'), state: 'DOWN' }], [down])];

  const follower = evaluator();
  follower.state.peers = published;
  assert.deepEqual(follower.round(1100), [], 'not leading: no incident');

  const leader = evaluator();
  leader.state.peers = published;
  leader.state.leader = true;
  assert.deepEqual(leader.round(1100), [], 'leading, but the open incidents are not read yet: nothing decided');
  leader.fleet.resume([]);
  const changes = leader.round(1200);
  assert.deepEqual(
    changes.map((c) => `${c.change} ${c.incident.subjectKey}`),
    ['opened path:t1'],
  );
  assert.deepEqual(leader.round(1300), [], 'the same published round again opens nothing more');
});

test('a new leader resumes the incident the previous one opened and resolves that same incident when the holder publishes UP', () => {
  const open: IncidentRecord = {
    id: 'path:t1@1000',
    subjectKey: 'path:t1',
    subject: { kind: 'path', pathId: 't1', group: 'web', label: 'icmp t1 (group web)' },
    kind: 'down',
    state: 'open',
    openedAtMs: 1000,
    updatedAtMs: 1000,
    resolvedAtMs: null,
    lossPct: 100,
    addedDelayMs: null,
    confidence: 1,
    controlPlaneUp: null,
    summary: 'icmp t1 DOWN',
    evidenceRoutes: ['t1'],
    explainedPaths: [],
    rounds: [],
  };
  const down = { roundAtMs: 1000, path: record('t1'), transition: transition('t1', 1000, 'DOWN') };
  const next = evaluator();
  next.state.leader = true;
  next.state.peers = [peer('b', 2000, [{ record: record('t1'), state: 'DOWN' }], [down])];
  next.fleet.leadershipChanged();
  next.fleet.resume([open]);
  assert.ok(next.fleet.evaluating);
  assert.deepEqual(next.round(2100), [], 'still DOWN, the replayed transition changes nothing: no second incident');

  const up = { roundAtMs: 3000, path: record('t1'), transition: transition('t1', 3000, 'UP') };
  next.state.peers = [peer('b', 3000, [{ record: record('t1'), state: 'UP' }], [down, up])];
  const changes = next.round(3100);
  assert.deepEqual(
    changes.map((c) => `${c.change} ${c.incident.id}`),
    ['resolved path:t1@1000'],
  );

  next.state.leader = false;
  next.state.peers = [peer('b', 4000, [{ record: record('t1'), state: 'DOWN' }], [{ roundAtMs: 4000, path: record('t1'), transition: transition('t1', 4000, 'DOWN') }])];
  assert.deepEqual(next.round(4100), [], 'no longer leading: nothing');
  assert.equal(next.fleet.evaluating, false, 'the desk is dropped with the lease');
});

test("the leader's link groups follow the whole fleet's routes: a peer's walk tells apart links its own plan had to group", () => {
  const graph = buildTopology([{ kind: 'node-up', node: { id: 'n1', name: 'R1', kind: 'router' } }]);
  const probes = (lost: number) => ({ ...stats(0), sent: 100, received: 100 - lost, lossPct: lost, rttMs: { min: 1, avg: 1, max: 1, p50: 1, p95: 1, p99: 1 } });
  // Every walk of this agent crosses A and B together: its own plan can only call them one group.
  const fleet = new FleetEvaluator({
    graph: () => graph,
    groups: () => [{ id: 'gAB', linkKeys: ['A', 'B'], labels: ['A', 'B'], reason: 'every walk of this agent crosses both' }],
    paths: () => [],
    thresholds: { lossPct: 2, addedDelayMs: 1 },
    hysteresisRounds: 2,
    leads: () => true,
    peers: () => [peer('other', 0, [], [], [{ kind: 'walk', id: 'wA', group: null, linkKeys: ['A', 'C'], stats: probes(0) }])],
    holds: () => false,
    localize: true,
  });
  let estimates: NonNullable<ReturnType<typeof emptyFindings>['estimates']> | null = null;
  for (let round = 0; round < 6; round++) {
    const lost = round < 3 ? 0 : 30; // B starts losing 30 % in round 3
    const findings = emptyFindings();
    fleet.evaluate(
      {
        atMs: round * 1000,
        routes: [
          { kind: 'walk', id: 'wAB', group: null, linkKeys: ['A', 'B'], stats: probes(lost) },
          { kind: 'walk', id: 'wABC', group: null, linkKeys: ['C', 'A', 'B'], stats: probes(lost) },
        ],
      },
      findings,
    );
    estimates = findings.estimates;
  }
  const faulty = estimates!.estimates.filter((estimate) => estimate.lossRatio > 0.05);
  assert.deepEqual(
    faulty.map((estimate) => estimate.subject),
    [{ kind: 'link', linkKey: 'B' }],
    JSON.stringify(estimates!.estimates.map((e) => [e.subject, e.lossRatio])),
  );
});
