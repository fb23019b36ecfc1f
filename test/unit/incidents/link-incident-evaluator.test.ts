/**
 * Link and group incidents on plain estimates: hysteresis both ways, no flapping on noise, one incident
 * per physical link whatever the direction, the down label, withdrawn links, the reported figure as the
 * mean of the deciding rounds, thresholds at their boundary, and a restart that re-opens nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncidentError, LinkIncidentEvaluator, linkSubjectKey, type IncidentChange, type LinkRoundInput } from '../../../src/incidents/index.js';
import type { LinkEstimate } from '../../../src/localize/localize-types.js';
import { R2_R4, R2_R5a, R4_R2, R4_R6, R6_R4, accessGroup, allLinks, estimates, pathRecord, type Fault } from './incident-fixtures.js';

const thresholds = { lossPct: 2, addedDelayMs: 1 };
const N = 3;

/** Drives one evaluator round by round with a clock of its own. */
function driver(options: ConstructorParameters<typeof LinkIncidentEvaluator>[0] = {}) {
  const evaluator = new LinkIncidentEvaluator(options);
  let atMs = 1_000_000;
  return {
    evaluator,
    get atMs() {
      return atMs;
    },
    round(list: LinkEstimate[], extra: Partial<LinkRoundInput> = {}): IncidentChange[] {
      atMs += 10_000;
      return evaluator.evaluate({ atMs, estimates: list, links: allLinks, groups: [accessGroup], thresholds, hysteresisRounds: N, ...extra });
    },
    rounds(count: number, list: LinkEstimate[], extra: Partial<LinkRoundInput> = {}): IncidentChange[] {
      const all: IncidentChange[] = [];
      for (let i = 0; i < count; i++) all.push(...this.round(list, extra));
      return all;
    },
  };
}

const faulty = (faults: Record<string, Fault>, group?: Fault) => estimates(faults, group);
const healthy = () => estimates();

test('opens exactly after N breaching rounds, not before, one-way and keyed to the physical link', () => {
  const d = driver();
  const lossy = faulty({ [R4_R6]: { lossPct: 20 } });
  assert.deepEqual(d.round(lossy), []);
  assert.deepEqual(d.round(lossy), []);
  const changes = d.round(lossy);
  assert.equal(changes.length, 1);
  const { change, incident, previous } = changes[0]!;
  assert.equal(change, 'opened');
  assert.equal(previous, null);
  assert.equal(incident.subjectKey, linkSubjectKey([R6_R4, R4_R6]));
  assert.equal(incident.id, `${incident.subjectKey}@${d.atMs}`);
  assert.deepEqual(incident.subject, { kind: 'link', linkKeys: [R4_R6], label: 'R4→R6', direction: 'one-way' });
  assert.equal(incident.kind, 'loss');
  assert.equal(incident.lossPct, 20);
  assert.equal(incident.summary, 'R4→R6: 20 % loss');
  assert.equal(incident.rounds.length, 3);
  assert.deepEqual(incident.evidenceRoutes, ['w-R4R6']);
  assert.match(changes[0]!.reason, /loss 20 % > 2 % in 3 of 3 rounds/);
  assert.deepEqual(d.round(lossy), [], 'an open incident opens nothing more');
});

test('resolves after N healthy rounds, not before', () => {
  const d = driver();
  d.rounds(N, faulty({ [R4_R6]: { addedDelayMs: 10.1 } }));
  assert.deepEqual(d.round(healthy()), []);
  assert.deepEqual(d.round(healthy()), []);
  const changes = d.round(healthy());
  assert.deepEqual(
    changes.map((c) => c.change),
    ['resolved'],
  );
  assert.equal(changes[0]!.incident.state, 'resolved');
  assert.equal(changes[0]!.incident.resolvedAtMs, d.atMs);
  assert.equal(changes[0]!.previous!.state, 'open');
  assert.match(changes[0]!.reason, /^within thresholds for 3 rounds/);
  assert.deepEqual(d.evaluator.open(), []);
  // A new fault on the same link later is a new occurrence with a new id.
  const again = d.rounds(N, faulty({ [R4_R6]: { addedDelayMs: 10.1 } }));
  assert.equal(again.length, 1);
  assert.notEqual(again[0]!.incident.id, changes[0]!.incident.id);
  assert.equal(again[0]!.incident.subjectKey, changes[0]!.incident.subjectKey);
});

test('noise rounds do not flap: a broken streak starts over, one healthy round does not resolve', () => {
  const d = driver();
  const bad = faulty({ [R2_R4]: { lossPct: 30 } });
  const noise = [bad, bad, healthy(), bad, bad, healthy(), bad, healthy(), bad, bad];
  for (const list of noise) assert.deepEqual(d.round(list), []);
  assert.equal(d.round(bad).length, 1, 'the third breaching round in a row opens');
  for (const list of [healthy(), healthy(), bad, healthy(), healthy(), bad, healthy()]) assert.deepEqual(d.round(list), []);
  assert.equal(d.evaluator.open().length, 1);
  // A missing estimate (no route crossed the link) says nothing either way: it restarts the count.
  assert.deepEqual(d.round(healthy().filter((e) => e.subject.kind !== 'link' || e.subject.linkKey !== R2_R4)), []);
  assert.deepEqual(d.round(healthy()), []);
  assert.deepEqual(d.round(healthy()), []);
  assert.deepEqual(
    d.round(healthy()).map((c) => c.change),
    ['resolved'],
  );
});

test('one-way → both → one-way is one incident, updated, never a second one', () => {
  const d = driver();
  const opened = d.rounds(N, faulty({ [R4_R6]: { down: true } }));
  assert.equal(opened.length, 1);
  const id = opened[0]!.incident.id;
  assert.equal(opened[0]!.incident.subject.label, 'R4→R6');

  const both = d.rounds(N, faulty({ [R4_R6]: { down: true }, [R6_R4]: { down: true } }));
  assert.deepEqual(
    both.map((c) => c.change),
    ['updated'],
  );
  const bothIncident = both[0]!.incident;
  assert.equal(bothIncident.id, id);
  assert.deepEqual(bothIncident.subject, { kind: 'link', linkKeys: [R4_R6, R6_R4], label: 'R4↔R6', direction: 'both' });
  assert.match(both[0]!.reason, /R6→R4 has breached for 3 rounds: both directions are at fault/);
  assert.match(bothIncident.summary, /^R4↔R6: 100 % loss/);

  const back = d.rounds(N, faulty({ [R6_R4]: { down: true } }));
  assert.deepEqual(
    back.map((c) => c.change),
    ['updated'],
  );
  assert.equal(back[0]!.incident.id, id);
  assert.deepEqual(back[0]!.incident.subject, { kind: 'link', linkKeys: [R6_R4], label: 'R6→R4', direction: 'one-way' });
  assert.match(back[0]!.reason, /R4→R6 has been healthy for 3 rounds: only R6→R4 is at fault/);
});

test('both directions failing from the start open one incident for the link, labelled ↔', () => {
  const d = driver();
  const changes = d.rounds(N, faulty({ [R2_R4]: { addedDelayMs: 10.1 }, [R4_R2]: { addedDelayMs: 10.1 } }));
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.incident.subject.kind === 'link' && changes[0]!.incident.subject.direction, 'both');
  assert.equal(changes[0]!.incident.summary, 'R2↔R4: +10.1 ms one-way delay');
  assert.equal(changes[0]!.incident.kind, 'delay');
  assert.equal(changes[0]!.incident.lossPct, null);
});

test('two faulty links at once give two incidents', () => {
  const d = driver();
  const changes = d.rounds(N, faulty({ [R4_R6]: { down: true }, [R2_R4]: { lossPct: 20 } }));
  assert.equal(changes.length, 2);
  assert.deepEqual(changes.map((c) => c.incident.subject.label).sort(), ['R2→R4', 'R4→R6']);
  assert.equal(new Set(changes.map((c) => c.incident.subjectKey)).size, 2);
});

test('a link group the plan cannot split is one subject, labelled as the link it is', () => {
  const d = driver();
  const changes = d.rounds(N, faulty({}, { lossPct: 40 }));
  assert.equal(changes.length, 1);
  const { incident } = changes[0]!;
  assert.equal(incident.subjectKey, 'group:gaccess');
  assert.deepEqual(incident.subject, { kind: 'group', groupId: 'gaccess', linkKeys: accessGroup.linkKeys, label: 'R2↔dev1' });
  assert.equal(incident.summary, 'R2↔dev1: 40 % loss');
  assert.deepEqual(
    d.rounds(N, healthy()).map((c) => c.change),
    ['resolved'],
  );
});

test('a group with more than one link is labelled by its members', () => {
  const d = driver();
  const chain = { id: 'gchain', linkKeys: [R2_R4, R4_R6], labels: ['R2→R4', 'R4→R6'] };
  const list: LinkEstimate[] = [
    { subject: { kind: 'group', groupId: 'gchain', linkKeys: chain.linkKeys }, lossRatio: 0.3, down: false, addedDelayMs: 0, confidence: 0.9, support: 3, evidence: ['w1'] },
  ];
  const changes = d.rounds(N, list, { groups: [accessGroup, chain] });
  assert.equal(changes[0]!.incident.subject.label, 'R2→R4, R4→R6');
  // A re-plan that splits the group resolves its incident: its links are judged one by one from now on.
  const split = d.round(faulty({ [R4_R6]: { lossPct: 30 } }));
  assert.deepEqual(
    split.map((c) => c.change),
    ['resolved'],
  );
  assert.match(split[0]!.reason, /re-plan split link group/);
});

test('a link down in the data plane but up in the topology says so', () => {
  const d = driver();
  const changes = d.rounds(N, faulty({ [R4_R6]: { down: true } }));
  const { incident } = changes[0]!;
  assert.equal(incident.kind, 'down');
  assert.equal(incident.controlPlaneUp, true);
  assert.equal(incident.lossPct, 100);
  assert.equal(incident.summary, 'R4→R6: 100 % loss for 3 rounds (data plane down, control plane up)');
  assert.equal(changes[0]!.reason, '100 % loss for 3 rounds');
});

test('a withdrawn link resolves its incident, and a withdrawn link never opens one', () => {
  const d = driver();
  d.rounds(N, faulty({ [R4_R6]: { down: true } }));
  const withoutR4R6 = allLinks.filter((l) => l.key !== R4_R6 && l.key !== R6_R4);
  const changes = d.round(faulty({ [R4_R6]: { down: true } }), { links: withoutR4R6 });
  assert.deepEqual(
    changes.map((c) => c.change),
    ['resolved'],
  );
  assert.equal(changes[0]!.reason, 'the topology withdrew the link (its paths are GONE, not failing)');
  assert.deepEqual(d.rounds(2 * N, faulty({ [R4_R6]: { down: true } }), { links: withoutR4R6 }), []);
  // One direction withdrawn: the other still exists, but estimates of the withdrawn one count for nothing.
  const withoutOne = allLinks.filter((l) => l.key !== R4_R6);
  assert.deepEqual(d.rounds(2 * N, faulty({ [R4_R6]: { down: true } }), { links: withoutOne }), []);
});

test('the reported figure is the mean of the deciding rounds, and one noisy round does not move it', () => {
  const d = driver();
  d.round(faulty({ [R2_R4]: { lossPct: 10 } }));
  d.round(faulty({ [R2_R4]: { lossPct: 20 } }));
  const [opened] = d.round(faulty({ [R2_R4]: { lossPct: 30 } }));
  assert.equal(opened!.incident.lossPct, 20);
  assert.equal(opened!.incident.summary, 'R2→R4: 20 % loss');
  // One round at 90 %: last three breaching rounds are 20, 30, 90 → 46.7, but updates wait N rounds and a
  // return to 20 % brings the mean back; nothing is reported.
  const quiet = [
    d.round(faulty({ [R2_R4]: { lossPct: 90 } })),
    d.round(faulty({ [R2_R4]: { lossPct: 20 } })),
    d.round(faulty({ [R2_R4]: { lossPct: 20 } })),
    d.round(faulty({ [R2_R4]: { lossPct: 20 } })),
  ];
  assert.deepEqual(quiet.flat(), []);
  // A sustained rise is material (more than half and more than the threshold): one update.
  const rise = d.rounds(N, faulty({ [R2_R4]: { lossPct: 60 } }));
  assert.deepEqual(
    rise.map((c) => c.change),
    ['updated'],
  );
  assert.equal(rise[0]!.incident.lossPct, 60);
  assert.equal(rise[0]!.reason, 'estimate rose from 20 % to 60 % loss');
  assert.equal(rise[0]!.previous!.lossPct, 20);
});

test('a kind change is an update, and updates come at most once every N rounds', () => {
  const d = driver();
  d.rounds(N, faulty({ [R4_R6]: { lossPct: 40 } }));
  const changes: IncidentChange[][] = [];
  for (let i = 0; i < 3 * N; i++) changes.push(d.round(faulty({ [R4_R6]: { down: true } })));
  const updates = changes.flatMap((list, i) => list.map((c) => ({ i, c })));
  assert.equal(updates.length, 1);
  assert.equal(updates[0]!.c.incident.kind, 'down');
  assert.equal(updates[0]!.i, N - 1, 'after N down rounds');
  assert.match(updates[0]!.c.reason, /^loss → down: 100 % loss for 3 rounds/);
  // Alternating between two materially different levels every round never updates more than once per N rounds.
  const flips: number[] = [];
  for (let i = 0; i < 12; i++) {
    const got = d.round(faulty({ [R4_R6]: i % 2 === 0 ? { lossPct: 10 } : { down: true } }));
    if (got.length > 0) flips.push(i);
  }
  for (let i = 1; i < flips.length; i++) assert.ok(flips[i]! - flips[i - 1]! >= N, `updates ${flips.join(', ')} closer than ${N} rounds`);
});

test('loss and delay together: loss wins and the summary names both; parallel links carry their address', () => {
  const d = driver();
  const changes = d.rounds(N, faulty({ [R2_R5a]: { lossPct: 20.000000001, addedDelayMs: 3 } }));
  const { incident } = changes[0]!;
  assert.equal(incident.kind, 'loss');
  assert.equal(incident.summary, 'R2→R5 (10.1.1.7): 20 % loss, +3.0 ms');
  assert.equal(incident.addedDelayMs, 3);
  assert.equal(
    incident.subjectKey,
    linkSubjectKey([
      R2_R5a,
      R2_R5a.split('|')
        .map((_, i, p) => p[[1, 0, 3, 2][i]!])
        .join('|'),
    ]),
  );
});

test('thresholds: a figure at the threshold is not a breach, just above it is', () => {
  const d = driver();
  assert.deepEqual(d.rounds(2 * N, faulty({ [R4_R6]: { lossPct: 2 }, [R2_R4]: { addedDelayMs: 1 } })), []);
  const changes = d.rounds(N, faulty({ [R4_R6]: { lossPct: 2.1 }, [R2_R4]: { addedDelayMs: 1.05 } }));
  assert.deepEqual(changes.map((c) => c.incident.kind).sort(), ['delay', 'loss']);
  assert.equal(changes.find((c) => c.incident.kind === 'loss')!.incident.summary, 'R4→R6: 2.1 % loss');
});

test('confidence: noise the estimator doubts never opens; weak but steady evidence opens late rather than never', () => {
  const doubted = driver();
  assert.deepEqual(doubted.rounds(20, faulty({ [R4_R6]: { lossPct: 5, confidence: 0.01 } })), []);
  const weak = driver();
  const opened: number[] = [];
  for (let i = 0; i < 10; i++) if (weak.round(faulty({ [R4_R6]: { lossPct: 5, confidence: 0.15 } })).length > 0) opened.push(i + 1);
  // 1 − 0.85^k ≥ 0.5 first at k = 5.
  assert.deepEqual(opened, [5]);
  const strong = driver();
  assert.equal(strong.rounds(N, faulty({ [R4_R6]: { lossPct: 5, confidence: 0.3 } })).length, 1, '1 − 0.7³ = 0.66 opens at N');
  // A doubted round inside an open incident neither continues nor resolves it.
  const held = driver();
  held.rounds(N, faulty({ [R4_R6]: { lossPct: 5 } }));
  const doubtful = faulty({ [R4_R6]: { lossPct: 5, confidence: 0.01 } });
  assert.deepEqual([held.round(healthy()), held.round(doubtful), held.round(healthy()), held.round(healthy())].flat(), []);
  assert.deepEqual(
    held.round(healthy()).map((c) => c.change),
    ['resolved'],
  );
});

test('explained paths are refreshed every round without an update', () => {
  const d = driver();
  const crossing = pathRecord('p1', [R2_R4, R4_R6]);
  const elsewhere = pathRecord('p2', [R2_R4]);
  const paths = (state: 'UP' | 'DOWN') => [
    { record: crossing, state },
    { record: elsewhere, state: 'DOWN' as const },
  ];
  const [opened] = d.rounds(N, faulty({ [R4_R6]: { down: true } }), { paths: paths('UP') });
  assert.deepEqual(opened!.incident.explainedPaths, []);
  assert.deepEqual(d.round(faulty({ [R4_R6]: { down: true } }), { paths: paths('DOWN') }), []);
  assert.deepEqual(d.evaluator.open()[0]!.explainedPaths, ['p1']);
  assert.equal(d.evaluator.open()[0]!.rounds.length, N + 1);
});

test('resume after a restart opens nothing new and resolves normally', () => {
  const first = driver();
  first.rounds(N, faulty({ [R4_R6]: { down: true }, [R6_R4]: { down: true } }));
  first.rounds(N, faulty({ [R4_R6]: { down: true }, [R6_R4]: { down: true } }, { down: true }));
  const open = first.evaluator.open();
  assert.equal(open.length, 2);

  const second = driver();
  second.evaluator.resume(open);
  assert.deepEqual(second.rounds(2 * N, faulty({ [R4_R6]: { down: true }, [R6_R4]: { down: true } }, { down: true })), []);
  assert.deepEqual(
    second.evaluator
      .open()
      .map((i) => i.id)
      .sort(),
    open.map((i) => i.id).sort(),
  );
  const resolved = second.rounds(N, healthy());
  assert.deepEqual(resolved.map((c) => [c.change, c.incident.id]).sort(), open.map((i) => ['resolved', i.id]).sort());
  assert.throws(
    () => new LinkIncidentEvaluator().resume([open[0]!, open[0]!]),
    (e: unknown) => e instanceof IncidentError && e.code === 'invalid-resume',
  );
});

test('bad input is refused with a typed error naming the value', () => {
  const d = driver();
  const bad =
    (extra: Partial<LinkRoundInput>, list = healthy()) =>
    () =>
      d.evaluator.evaluate({ atMs: d.atMs + 1, estimates: list, links: allLinks, thresholds, hysteresisRounds: N, ...extra });
  const isInvalid = (e: unknown) => e instanceof IncidentError && e.code === 'invalid-input';
  assert.throws(bad({ hysteresisRounds: 0 }), isInvalid);
  assert.throws(bad({ thresholds: { lossPct: -1, addedDelayMs: 1 } }), isInvalid);
  assert.throws(bad({}, [{ ...healthy()[0]!, lossRatio: 1.4 }]), (e: unknown) => isInvalid(e) && /lossRatio 1\.4/.test((e as Error).message));
  assert.throws(bad({}, [{ ...healthy()[0]!, confidence: Number.NaN }]), isInvalid);
  d.round(healthy());
  assert.throws(bad({ atMs: d.atMs - 1 }), isInvalid);
  assert.throws(() => new LinkIncidentEvaluator({ minConfidence: 2 }), isInvalid);
});
