/**
 * Path incidents beside link incidents: a failing path no link incident explains gets its own, an
 * explained one gets none (and one opened a round early is resolved as explained), DEGRADED↔DOWN
 * updates it, UP and GONE resolve it, and a restart re-opens nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncidentDesk, PathIncidents, type DeskRoundInput, type IncidentChange, type IncidentRecord, type PathStatus } from '../../../src/incidents/index.js';
import type { PathStateName } from '../../../src/monitor/path-state.js';
import type { PathRecord } from '../../../src/store/records.js';
import { R2_R4, R4_R2, R4_R6, R6_R4, accessGroup, allLinks, estimates, pathRecord, resultRound, transition, type Fault } from './incident-fixtures.js';

const N = 3;
const viaR6 = pathRecord('p-r6', [R2_R4, R4_R6, R6_R4, R4_R2]);
const viaR5 = pathRecord('p-r5', ['dev1|R2|x|y', 'R2|R5|10.1.1.6|10.1.1.7'], ['dev1', 'R2', 'R5', 'dev2']);

/** A link incident as the link evaluator would hold it open. */
function linkIncident(linkKeys: string[], label: string): IncidentRecord {
  return {
    id: `link:x@1`,
    subjectKey: 'link:x',
    subject: { kind: 'link', linkKeys, label, direction: 'one-way' },
    kind: 'down',
    state: 'open',
    openedAtMs: 1,
    updatedAtMs: 1,
    resolvedAtMs: null,
    lossPct: 100,
    addedDelayMs: null,
    confidence: 1,
    controlPlaneUp: true,
    summary: `${label}: 100 % loss`,
    evidenceRoutes: [],
    explainedPaths: [],
    rounds: [],
  };
}

function driver() {
  const paths = new PathIncidents();
  const states = new Map<string, { record: PathRecord; state: PathStateName }>([
    [viaR6.id, { record: viaR6, state: 'UP' }],
    [viaR5.id, { record: viaR5, state: 'UP' }],
  ]);
  let atMs = 2_000_000;
  return {
    paths,
    get atMs() {
      return atMs;
    },
    /** One round: the given transitions (applied to the path states first) and open link incidents. */
    round(moves: { path: PathRecord; to: PathStateName; lossPct?: number; p50?: number }[] = [], explainers: IncidentRecord[] = [], graceRounds = 0): IncidentChange[] {
      atMs += 10_000;
      const transitions = moves.map((m) => {
        const from = states.get(m.path.id)!.state;
        states.set(m.path.id, { record: m.path, state: m.to });
        const rounds = [0, 1, 2].map((i) => resultRound(m.path.id, atMs - i * 1000, m.lossPct ?? (m.to === 'DOWN' ? 100 : 0), m.p50 ?? 1));
        return { transition: transition(m.path.id, atMs, from, m.to, rounds), path: m.path };
      });
      return paths.round({ atMs, transitions, paths: [...states.values()], explainers, hysteresisRounds: N, graceRounds });
    },
  };
}

test('a failing path no link incident explains opens a path incident, in the path wording', () => {
  const d = driver();
  const [change] = d.round([{ path: viaR6, to: 'DOWN' }]);
  assert.equal(change!.change, 'opened');
  const { incident } = change!;
  assert.equal(incident.subjectKey, 'path:p-r6');
  assert.equal(incident.id, `path:p-r6@${d.atMs}`);
  assert.deepEqual(incident.subject, { kind: 'path', pathId: 'p-r6', group: 'dev1-dev2', label: 'dev1 > R2 > R4 > R6 > dev2' });
  assert.equal(incident.kind, 'down');
  assert.equal(incident.lossPct, 100);
  assert.equal(incident.transition!.to, 'DOWN');
  assert.equal(incident.summary, `dev1 > R2 > R4 > R6 > dev2 DOWN: ${incident.transition!.reason}`);
});

test('a path DEGRADED by loss, then DOWN, is one incident updated; UP resolves it', () => {
  const d = driver();
  const [opened] = d.round([{ path: viaR6, to: 'DEGRADED', lossPct: 30 }]);
  assert.equal(opened!.incident.kind, 'loss');
  assert.equal(opened!.incident.lossPct, 30);
  const [updated] = d.round([{ path: viaR6, to: 'DOWN' }]);
  assert.equal(updated!.change, 'updated');
  assert.equal(updated!.incident.id, opened!.incident.id);
  assert.equal(updated!.incident.kind, 'down');
  assert.match(updated!.reason, /^DEGRADED → DOWN: /);
  assert.deepEqual(d.round(), []);
  const [resolved] = d.round([{ path: viaR6, to: 'UP' }]);
  assert.equal(resolved!.change, 'resolved');
  assert.equal(resolved!.incident.id, opened!.incident.id);
  assert.deepEqual(d.paths.open(), []);
});

test('a path DEGRADED by delay reports how far its p50 sat above the threshold; GONE resolves it', () => {
  const d = driver();
  const [opened] = d.round([{ path: viaR5, to: 'DEGRADED', p50: 130 }]);
  assert.equal(opened!.incident.kind, 'delay');
  assert.equal(opened!.incident.addedDelayMs, 30);
  assert.equal(opened!.incident.lossPct, null);
  const [gone] = d.round([{ path: viaR5, to: 'GONE' }]);
  assert.equal(gone!.change, 'resolved');
  assert.match(gone!.reason, /^GONE: /);
});

test('a path explained by an open link incident gets no incident of its own', () => {
  const d = driver();
  const r4r6 = linkIncident([R4_R6], 'R4→R6');
  assert.deepEqual(d.round([{ path: viaR6, to: 'DOWN' }], [r4r6]), []);
  // The other path does not cross R4→R6: it still gets its own.
  assert.deepEqual(
    d.round([{ path: viaR5, to: 'DOWN' }], [r4r6]).map((c) => [c.change, c.incident.subjectKey]),
    [['opened', 'path:p-r5']],
  );
  assert.deepEqual(d.round([{ path: viaR6, to: 'DEGRADED' }], [r4r6]), [], 'explained, so not updated either');
});

test('a path incident opened a round before the link incident is resolved as explained by it', () => {
  const d = driver();
  assert.equal(d.round([{ path: viaR6, to: 'DOWN' }]).length, 1);
  const changes = d.round([], [linkIncident([R6_R4], 'R6→R4')]);
  assert.deepEqual(
    changes.map((c) => c.change),
    ['resolved'],
  );
  assert.equal(changes[0]!.reason, 'explained by link incident R6→R4');
  assert.deepEqual(d.paths.open(), []);
});

test('a failing path left unexplained when its link incident resolves opens one after N rounds', () => {
  const d = driver();
  const r4r6 = linkIncident([R4_R6], 'R4→R6');
  d.round([{ path: viaR6, to: 'DOWN' }], [r4r6]);
  assert.deepEqual(d.round([], [r4r6]), []);
  // The link incident is gone but the path stays DOWN: its own recovery may trail by a round, so wait N.
  assert.deepEqual(d.round(), []);
  assert.deepEqual(d.round(), []);
  const changes = d.round();
  assert.deepEqual(
    changes.map((c) => c.change),
    ['opened'],
  );
  assert.equal(changes[0]!.incident.kind, 'down');
  assert.match(changes[0]!.reason, /no link incident explains it/);
  // Whereas a path that recovers within N rounds opens nothing.
  const e = driver();
  e.round([{ path: viaR6, to: 'DOWN' }], [r4r6]);
  assert.deepEqual([e.round(), e.round([{ path: viaR6, to: 'UP' }]), e.round(), e.round()].flat(), []);
});

test('resume after a restart opens nothing new; the resumed path incident resolves on UP', () => {
  const first = driver();
  first.round([{ path: viaR6, to: 'DOWN' }]);
  const open = first.paths.open();
  const second = new PathIncidents();
  second.resume(open);
  const status: PathStatus[] = [
    { record: viaR6, state: 'DOWN' },
    { record: viaR5, state: 'UP' },
  ];
  for (let i = 0; i < 5; i++) assert.deepEqual(second.round({ atMs: 3_000_000 + i, transitions: [], paths: status, explainers: [], hysteresisRounds: N }), []);
  assert.deepEqual(
    second.open().map((i) => i.id),
    open.map((i) => i.id),
  );
  const up = second.round({
    atMs: 3_000_100,
    transitions: [{ transition: transition(viaR6.id, 3_000_100, 'DOWN', 'UP'), path: viaR6 }],
    paths: [{ record: viaR6, state: 'UP' }, status[1]!],
    explainers: [],
    hysteresisRounds: N,
  });
  assert.deepEqual(
    up.map((c) => [c.change, c.incident.id]),
    [['resolved', open[0]!.id]],
  );
});

test('the desk runs links then paths: one incident for the broken link, none for the paths it explains', () => {
  const desk = new IncidentDesk();
  let atMs = 5_000_000;
  const status = new Map<string, PathStatus>([
    [viaR6.id, { record: viaR6, state: 'UP' }],
    [viaR5.id, { record: viaR5, state: 'UP' }],
  ]);
  const round = (faults: Record<string, Fault>, moves: [PathRecord, PathStateName][] = [], localization = true) => {
    atMs += 10_000;
    const transitions = moves.map(([path, to]) => {
      const from = status.get(path.id)!.state;
      status.set(path.id, { record: path, state: to });
      return { transition: transition(path.id, atMs, from, to), path };
    });
    const input: DeskRoundInput = {
      atMs,
      hysteresisRounds: N,
      localization: localization ? { estimates: estimates(faults), links: allLinks, groups: [accessGroup], thresholds: { lossPct: 2, addedDelayMs: 1 } } : null,
      transitions,
      paths: [...status.values()],
    };
    return desk.round(input);
  };
  const down = { [R4_R6]: { down: true } };
  assert.deepEqual(round(down).changes, []);
  assert.deepEqual(round(down).changes, []);
  // The path's hysteresis and the link's end in the same round: the link incident comes first and explains it.
  const third = round(down, [[viaR6, 'DOWN']]);
  assert.deepEqual(
    third.changes.map((c) => [c.change, c.incident.subject.label]),
    [['opened', 'R4→R6']],
  );
  assert.deepEqual(third.changes[0]!.incident.explainedPaths, ['p-r6']);
  assert.equal(third.open.length, 1);
  // Localization off for a round: the link incident holds, nothing changes.
  assert.deepEqual(round({}, [], false).changes, []);
  assert.equal(round({}, [], false).open.length, 1);
  // Recovery: the link resolves after N healthy rounds, the path goes UP; no path incident ever opened.
  const recovery = [round({}), round({}), round({}, [[viaR6, 'UP']])].flatMap((r) => r.changes);
  assert.deepEqual(
    recovery.map((c) => [c.change, c.incident.subjectKey.split(':')[0]]),
    [['resolved', 'link']],
  );
  assert.deepEqual(desk.open(), []);
});

test('with a grace round, a failing path waits one round for a link incident: explained then, it never opens', () => {
  const d = driver();
  assert.deepEqual(d.round([{ path: viaR6, to: 'DOWN' }], [], 1), [], 'nothing in the round the path fails');
  assert.deepEqual(d.round([], [linkIncident([R4_R6], 'R4→R6')], 1), [], 'the link incident explains it: no path incident');
  assert.deepEqual(d.round([], [linkIncident([R4_R6], 'R4→R6')], 1), []);
});

test('with a grace round, a failing path that no link incident explains opens one round late, citing its transition', () => {
  const d = driver();
  assert.deepEqual(d.round([{ path: viaR5, to: 'DEGRADED', lossPct: 40 }], [], 1), []);
  const changes = d.round([], [], 1);
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.change, 'opened');
  assert.equal(changes[0]!.incident.subjectKey, 'path:p-r5');
  assert.match(changes[0]!.incident.summary + changes[0]!.reason, /no link incident explains it/);
  assert.equal(changes[0]!.incident.transition?.to, 'DEGRADED');
});

test('with a grace round, a path that recovers within it opens nothing', () => {
  const d = driver();
  assert.deepEqual(d.round([{ path: viaR5, to: 'DEGRADED', lossPct: 40 }], [], 1), []);
  assert.deepEqual(d.round([{ path: viaR5, to: 'UP' }], [], 1), []);
  assert.deepEqual(d.round([], [], 1), []);
});
