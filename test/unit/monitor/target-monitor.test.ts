/**
 * ICMP/TCP/UDP targets in the monitor loop, as an operator would see them: each target is a route with
 * its own state, history rows, tickets and mails; a target going DOWN after the hysteresis rounds is
 * told once and resolved once; a slow target is DEGRADED; DNS names are resolved every round and the
 * address recorded; a name that does not resolve is a lost round with its reason, never a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incidentTitle } from '../../../src/notify/incident-format.js';
import { FlakyStore } from './monitor-fakes.js';
import { targetConfig, targetHarness, targetRounds, type TargetHarness } from './target-fakes.js';

const DB_AND_MGMT = `
  - { name: db, kind: tcp, targets: [db1, 10.2.0.9], port: 5432 }
  - { name: mgmt, kind: icmp, targets: [10.3.0.1], thresholds: { delayMs: 5 } }`;

function dbHarness(store?: FlakyStore): TargetHarness {
  const h = targetHarness({ config: targetConfig(DB_AND_MGMT), ...(store && { store }) });
  h.resolver.names.set('db1', '10.2.0.5');
  return h;
}

const byLabel = (h: TargetHarness, label: string) => h.monitor.paths().find((path) => path.record.names.join(' ') === label)!;

test('every target is a route: registered in the store, probed after the paths each round, one history row per round', async () => {
  const h = dbHarness();
  await h.monitor.start();
  await targetRounds(h, 2);
  const stored = await h.store.paths();
  const targets = stored.filter((path) => path.id.startsWith('target-'));
  assert.deepEqual(targets.map((t) => t.names[0]).sort(), ['icmp 10.3.0.1', 'tcp 10.2.0.9:5432', 'tcp db1:5432']);
  const db1 = targets.find((t) => t.names[0] === 'tcp db1:5432')!;
  assert.equal(db1.group, 'db');
  assert.equal(db1.fromNode, 'dev1');
  assert.equal(db1.toNode, 'db1');
  assert.deepEqual(db1.linkKeys, []);
  assert.deepEqual(db1.hops, ['10.2.0.5'], 'the address the name resolved to is recorded');
  for (const target of targets) assert.equal(h.writer.written.filter((row) => row.pathId === target.id).length, 2);
  assert.equal(h.writer.written.length, 2 * (8 + 3), 'eight paths and three targets a round');
  assert.equal(h.probers.get('tcp')!.seen.length, 2);
  assert.deepEqual(h.probers.get('tcp')!.seen[0]!.addresses, ['10.2.0.5', '10.2.0.9']);
  assert.equal(h.probers.get('tcp')!.seen[0]!.addressing[0]!.port, 5432);
  assert.deepEqual(h.probers.get('icmp')!.seen[0]!.addressing[0]!.payloadBytes, 56);
  const live = byLabel(h, 'tcp db1:5432');
  assert.equal(live.kind, 'tcp');
  assert.equal(live.target?.address, '10.2.0.5');
  assert.equal(live.lastRound?.received, 10);
  assert.equal(live.rttHistogram.count, 20);
  assert.equal(h.monitor.counters().probesSent, 2 * (8 * 10 + 3 * 10));
  assert.equal(h.monitor.counters().drops.otherSession, 2 * 2, 'foreign replies counted, one per kind per round');
  assert.deepEqual(h.monitor.probedCounts(), { paths: 8, walks: 0, targets: 3 });
});

test('a target DOWN after the hysteresis rounds opens one ticket and one mail naming it; back UP resolves both once', async () => {
  const h = dbHarness();
  await h.monitor.start();
  await targetRounds(h, 3);
  assert.ok(h.monitor.paths().every((path) => path.state === 'UP'));
  h.network.set('tcp:10.2.0.5', 'down');
  await targetRounds(h, 2);
  assert.equal(byLabel(h, 'tcp db1:5432').state, 'UP', 'two lost rounds are not enough with hysteresis 3');
  assert.equal(h.tickets.delivered.length, 0);
  await targetRounds(h, 1);
  assert.equal(byLabel(h, 'tcp db1:5432').state, 'DOWN');
  assert.equal(byLabel(h, 'tcp 10.2.0.9:5432').state, 'UP', 'the other target of the group is untouched');
  assert.equal(h.tickets.delivered.length, 1);
  assert.equal(h.mail.delivered.length, 1);
  const opened = h.tickets.delivered[0]!.change;
  assert.equal(opened.change, 'opened');
  assert.equal(opened.incident.kind, 'down');
  assert.equal(opened.incident.subject.kind, 'path');
  assert.match(incidentTitle(opened.incident), /^tcp db1:5432 \(group db\) DOWN$/);
  assert.equal(opened.incident.subject.kind === 'path' && opened.incident.subject.group, 'db');

  await targetRounds(h, 5);
  assert.equal(h.tickets.delivered.length, 1, 'still DOWN is no news');
  assert.equal(h.mail.delivered.length, 1);

  h.network.delete('tcp:10.2.0.5');
  await targetRounds(h, 3);
  assert.equal(byLabel(h, 'tcp db1:5432').state, 'UP');
  assert.equal(h.tickets.delivered.length, 2);
  assert.equal(h.mail.delivered.length, 2);
  assert.equal(h.tickets.delivered[1]!.change.change, 'resolved');
  assert.equal(h.tickets.delivered[1]!.change.incident.subjectKey, opened.incident.subjectKey);
  assert.equal(h.monitor.incidents().length, 0);
  const transitions = (await h.store.transitions(byLabel(h, 'tcp db1:5432').record.id, 0)).map((t) => `${t.from}->${t.to}`);
  assert.deepEqual(transitions, ['null->UP', 'UP->DOWN', 'DOWN->UP']);
});

test("a target slower than its group's delay threshold is DEGRADED (a delay incident); the same RTT on another group is fine", async () => {
  const h = dbHarness();
  h.network.set('icmp:10.3.0.1', { rttMs: 8 });
  h.network.set('tcp:10.2.0.9', { rttMs: 8 });
  await h.monitor.start();
  await targetRounds(h, 3);
  const mgmt = byLabel(h, 'icmp 10.3.0.1');
  assert.equal(mgmt.state, 'DEGRADED', 'mgmt allows 5 ms');
  assert.deepEqual(mgmt.thresholds, { delayMs: 5, lossPct: 5 });
  assert.equal(byLabel(h, 'tcp 10.2.0.9:5432').state, 'UP', 'db inherits the config threshold of 15 ms');
  assert.equal(h.tickets.delivered.length, 1);
  const incident = h.tickets.delivered[0]!.change.incident;
  assert.equal(incident.kind, 'delay');
  assert.equal(incidentTitle(incident), 'icmp 10.3.0.1 (group mgmt) DEGRADED');
  assert.match(incident.summary, /p50 RTT 8 ms > 5 ms/);
});

test('loss over the threshold is DEGRADED, not DOWN', async () => {
  const h = dbHarness();
  h.network.set('tcp:10.2.0.9', { rttMs: 1, lossEvery: 5 });
  await h.monitor.start();
  await targetRounds(h, 3);
  assert.equal(byLabel(h, 'tcp 10.2.0.9:5432').state, 'DEGRADED');
  assert.equal(h.tickets.delivered[0]!.change.incident.kind, 'loss');
});

test('DNS names are resolved every round and the new address is probed and recorded', async () => {
  const h = dbHarness();
  await h.monitor.start();
  await targetRounds(h, 2);
  h.resolver.names.set('db1', '10.2.0.6');
  await targetRounds(h, 1);
  assert.deepEqual(h.resolver.calls, ['db1', 'db1', 'db1'], 'one lookup per round; literal addresses are never looked up');
  assert.deepEqual(
    h.probers.get('tcp')!.seen.map((round) => round.addresses[0]),
    ['10.2.0.5', '10.2.0.5', '10.2.0.6'],
  );
  const db1 = byLabel(h, 'tcp db1:5432');
  assert.equal(db1.target?.address, '10.2.0.6');
  assert.deepEqual((await h.store.paths()).find((p) => p.id === db1.record.id)!.hops, ['10.2.0.6']);
});

test('a name that stops resolving loses its rounds with the reason, goes DOWN after hysteresis, and the rest goes on', async () => {
  const h = dbHarness();
  await h.monitor.start();
  await targetRounds(h, 3);
  h.resolver.names.delete('db1');
  await targetRounds(h, 3);
  const db1 = byLabel(h, 'tcp db1:5432');
  assert.equal(db1.state, 'DOWN');
  assert.equal(db1.target?.address, null);
  assert.match(db1.target?.problem ?? '', /db1 did not resolve: ENOTFOUND/);
  assert.equal(db1.lastRound?.lossPct, 100);
  assert.equal(h.tickets.delivered.length, 1);
  assert.match(h.tickets.delivered[0]!.change.incident.summary, /100 % loss for 3 rounds \(db1 did not resolve: ENOTFOUND/);
  assert.equal(h.logs.filter((line) => /round lost: db1 did not resolve/.test(line)).length, 1, 'the reason is logged once, not every round');
  assert.equal(h.probers.get('tcp')!.seen.at(-1)!.addresses.join(), '10.2.0.9', 'the other target is still probed');
  assert.equal(byLabel(h, 'tcp 10.2.0.9:5432').state, 'UP');
  assert.equal(h.monitor.counters().rounds, 6);
});

test('a group with its own interval is probed only when due; the others every round', async () => {
  const h = targetHarness({ config: targetConfig('[ { name: slow, kind: icmp, targets: [10.4.0.1], interval: 3s }, { name: fast, kind: icmp, targets: [10.4.0.2] } ]') });
  await h.monitor.start();
  const probedPerRound: number[] = [];
  for (let i = 0; i < 7; i++) {
    const startMs = h.clock.now;
    probedPerRound.push((await h.monitor.runRound()).probedTargets);
    h.clock.now = startMs + 1000;
  }
  assert.deepEqual(probedPerRound, [2, 1, 1, 2, 1, 1, 2]);
});

test("a restarted monitor resumes a DOWN target's state and its open ticket instead of announcing it again", async () => {
  const store = new FlakyStore();
  const first = dbHarness(store);
  first.network.set('10.3.0.1', 'down');
  await first.monitor.start();
  await targetRounds(first, 3);
  assert.equal(first.tickets.delivered.length, 1);
  await first.monitor.close();

  const second = dbHarness(store);
  second.network.set('10.3.0.1', 'down');
  second.clock.now = first.clock.now + 60_000;
  await second.monitor.start();
  await targetRounds(second, 4);
  assert.equal(byLabel(second, 'icmp 10.3.0.1').state, 'DOWN');
  assert.equal(second.tickets.delivered.length, 0, 'nothing new to tell');
  assert.equal(second.monitor.incidents().length, 1);
});

test('a target removed from the config is GONE at the next start and its incident resolved', async () => {
  const store = new FlakyStore();
  const first = dbHarness(store);
  first.network.set('10.3.0.1', 'down');
  await first.monitor.start();
  await targetRounds(first, 3);
  await first.monitor.close();
  const second = targetHarness({ config: targetConfig('[ { name: db, kind: tcp, targets: [10.2.0.9], port: 5432 } ]'), store });
  second.clock.now = first.clock.now + 60_000;
  await second.monitor.start();
  await targetRounds(second, 1);
  const gone = (await store.paths()).find((p) => p.names[0] === 'icmp 10.3.0.1')!;
  assert.notEqual(gone.goneAtMs, null);
  assert.equal(second.tickets.delivered.at(-1)?.change.change, 'resolved');
});

test('with link localization on, a DOWN target is its own incident and blames no link', async () => {
  const h = targetHarness({ config: targetConfig(DB_AND_MGMT), localize: true });
  h.resolver.names.set('db1', '10.2.0.5');
  h.network.set('10.3.0.1', 'down');
  await h.monitor.start();
  // With localization on, a failing route waits out grace rounds for a link incident to explain it.
  await targetRounds(h, 3 + 4);
  assert.equal(h.logs.filter((line) => line.startsWith('WARN')).join('\n'), '', 'no evaluator failed');
  const incidents = h.monitor.incidents();
  assert.deepEqual(
    incidents.map((i) => i.subject.kind),
    ['path'],
  );
  assert.equal(incidents[0]!.subject.kind === 'path' && incidents[0]!.subject.label, 'icmp 10.3.0.1 (group mgmt)');
});

test('a TCP port answering RST is reachable, with its RTT, and the refusals are shown', async () => {
  const h = dbHarness();
  h.network.set('10.2.0.9', { refusedRttMs: 0.4 });
  await h.monitor.start();
  await targetRounds(h, 3);
  const closed = byLabel(h, 'tcp 10.2.0.9:5432');
  assert.equal(closed.state, 'UP');
  assert.equal(closed.target?.refused, 10);
  assert.equal(closed.lastRound?.rttMs?.p50, 0.4);
});

test('close() closes the target probers', async () => {
  const h = dbHarness();
  await h.monitor.start();
  await targetRounds(h, 1);
  await h.monitor.close();
  assert.ok([...h.probers.values()].every((prober) => prober.closed));
});
