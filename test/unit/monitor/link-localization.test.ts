/**
 * The monitor with link localization on, as `pathmon run` wires it: the real link-cover planner on the
 * nanog76 topology, cover walks probed beside the user paths, per-link estimates and incidents. The fake
 * network applies faults per direction, so a one-way fault reaches only what crosses that direction.
 * What an engineer should see: one incident naming the broken link and direction, not one per path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, rounds, type Harness } from './monitor-fakes.js';

async function warmed(): Promise<Harness> {
  const h = harness({ localize: true });
  await h.monitor.start();
  await rounds(h, 5);
  assert.equal(h.mail.calls.length, 0, 'a healthy start opens nothing');
  return h;
}

const opened = (h: Harness) =>
  h.mail.calls
    .flat()
    .filter((c) => c.change === 'opened')
    .map((c) => c.incident);

test('the cover plan is probed beside the paths, and the view shows it', async () => {
  const h = await warmed();
  const plan = h.monitor.plan()!;
  assert.ok(plan.walks > 0);
  assert.equal(plan.identifiable + plan.groups.reduce((n, g) => n + g.labels.length, 0), plan.links);
  assert.equal(h.monitor.probedCounts().walks, plan.walks);
  assert.equal(h.writer.written.length, 5 * (8 + plan.walks), 'walk rounds are stored beside path rounds');
  const links = h.monitor.links();
  assert.ok(links.some((link) => link.label === 'R4→R6'));
  assert.ok(links.every((link) => link.lossRatio === 0 && link.addedDelayMs === 0 && !link.down));
});

test('R4→R6 down one way: one incident naming R4→R6, no path incidents, within 3 rounds', async () => {
  const h = await warmed();
  h.network.fault('R4', 'R6', 'down', true);
  await rounds(h, 3);
  const incidents = opened(h);
  assert.equal(incidents.length, 1, JSON.stringify(incidents.map((i) => i.summary)));
  const [incident] = incidents;
  assert.equal(incident!.kind, 'down');
  assert.deepEqual(incident!.subject.kind === 'link' && [incident!.subject.label, incident!.subject.direction], ['R4→R6', 'one-way']);
  assert.equal(incident!.explainedPaths.length, 4, 'the 4 paths over R4-R6 are explained');
  assert.match(incident!.summary, /control plane up/);
  assert.deepEqual(
    h.tickets.calls.flat().map((c) => c.incident.subject.kind),
    ['link'],
  );
  assert.equal(h.monitor.links().find((l) => l.label === 'R4→R6')?.incidentId, incident!.id);
  assert.equal(h.monitor.links().find((l) => l.label === 'R6→R4')?.incidentId, null);

  h.network.fault('R4', 'R6', null, true);
  await rounds(h, 3);
  assert.deepEqual(
    h.mail.calls.flat().map((c) => c.change),
    ['opened', 'resolved'],
  );
});

test('R2–R4 delayed 10 ms both ways: one incident on the link, both directions, about 10 ms', async () => {
  const h = await warmed();
  h.network.fault('R2', 'R4', { delayMs: 10 });
  await rounds(h, 3);
  const incidents = opened(h);
  assert.equal(incidents.length, 1, JSON.stringify(incidents.map((i) => i.summary)));
  const [incident] = incidents;
  assert.equal(incident!.kind, 'delay');
  assert.equal(incident!.subject.kind === 'link' && incident!.subject.direction, 'both');
  assert.ok(Math.abs(incident!.addedDelayMs! - 10) <= 3, `estimated ${incident!.addedDelayMs} ms`);
});

test('two faulty links at once: two incidents', async () => {
  const h = await warmed();
  h.network.fault('R3', 'R5', { lossEvery: 4 }, true);
  h.network.fault('R4', 'R6', 'down');
  await rounds(h, 4);
  const labels = opened(h)
    .map((i) => (i.subject.kind === 'link' ? i.subject.label : i.subjectKey))
    .sort();
  assert.equal(labels.length, 2, labels.join(', '));
  assert.ok(
    labels.some((l) => l === 'R3→R5'),
    labels.join(', '),
  );
  assert.ok(
    labels.some((l) => /R4.R6|R6.R4/.test(l)),
    labels.join(', '),
  );
});

test('30 fault-free rounds open no incident', async () => {
  const h = await warmed();
  await rounds(h, 30);
  assert.equal(h.mail.calls.length, 0);
  assert.equal(h.monitor.incidents().length, 0);
});
