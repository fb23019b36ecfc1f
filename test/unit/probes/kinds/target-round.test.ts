/**
 * The target engine, whatever the kind: pacing across the interval, late and duplicate replies, probes
 * that could not leave, progress reports, and the same roundStats figures the GRE engine reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { icmpEcho, icmpKind, roundStats, runTargetRound, TargetProbeError } from '../../../../probes/index.js';
import { FakeTargetNetwork } from './fake-target-network.js';

const options = { count: 10, intervalMs: 20, timeoutMs: 30 };

test('sends are spread evenly over each interval, every target in turn', async () => {
  const network = new FakeTargetNetwork('icmp-raw', () => ({ afterMs: 1 }));
  const times: bigint[] = [];
  network.onProbe = () => times.push(network.nowNsValue);
  const targets = ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5'].map((address) => ({ address }));
  await runTargetRound({ io: network, clock: network, sessionId: 1 }, icmpKind, targets, options);
  assert.equal(times.length, 40);
  const start = times[0]!;
  // Probe i is due at floor(i / 4) * 20 ms + (i % 4) * 5 ms; sent within a millisecond of it.
  times.forEach((time, index) => {
    const dueMs = Math.floor(index / 4) * 20 + (index % 4) * 5;
    const atMs = Number(time - start) / 1e6;
    assert.ok(atMs >= dueMs - 1 && atMs <= dueMs + 1, `probe ${index} at ${atMs} ms, due ${dueMs} ms`);
  });
  assert.deepEqual(
    network.sent.slice(0, 4).map((p) => p.destination),
    targets.map((t) => t.address),
  );
});

test('late replies are lost and counted apart, duplicates counted, figures the same as roundStats over the RTTs', async () => {
  const network = new FakeTargetNetwork('icmp-raw', (probe) => {
    const sequence = icmpEcho.decode(probe.data).sequence;
    if (sequence === 3) return { afterMs: 45 }; // after the 30 ms timeout
    return { afterMs: 2 + (sequence % 3) };
  });
  network.onProbe = (probe) => {
    if (icmpEcho.decode(probe.data).sequence === 5) network.inject(network.replyTo(probe, 'echo'), 10); // a second copy
  };
  const result = await runTargetRound({ io: network, clock: network, sessionId: 1 }, icmpKind, [{ address: '10.9.0.2' }], options);
  const stats = result.perTarget[0]!;
  assert.deepEqual([stats.sent, stats.received, stats.late, stats.duplicates, stats.lossPct], [10, 9, 1, 1, 10]);
  const expected = [2, 3, 4, NaN, 3, 4, 2, 3, 4, 2].map((ms) => ms * 1e6);
  assert.deepEqual([...result.samplesNs[0]!], expected);
  assert.deepEqual(stats, roundStats(Float64Array.from(expected), 1, 1));
});

test('a probe that cannot leave (a payload over the MTU with DF) is lost and its errno reported', async () => {
  const network = new FakeTargetNetwork('icmp-raw', () => ({ afterMs: 1 }));
  network.failSends.set(2, 'EMSGSIZE');
  network.failSends.set(4, 'EMSGSIZE');
  const result = await runTargetRound({ io: network, clock: network, sessionId: 1 }, icmpKind, [{ address: '10.9.0.2', payloadBytes: 9000 }], options);
  assert.deepEqual([result.perTarget[0]!.sent, result.perTarget[0]!.received], [10, 8]);
  assert.deepEqual(result.sendErrors, { EMSGSIZE: 2 });
});

test("the ping socket's identifier is the one probes carry and replies must have", async () => {
  const network = new FakeTargetNetwork('icmp-dgram', () => ({ afterMs: 1 }), 0x4242);
  const result = await runTargetRound({ io: network, clock: network, sessionId: 1 }, icmpKind, [{ address: '10.9.0.2' }], options);
  assert.ok(network.sent.every((probe) => icmpEcho.decode(probe.data).identifier === 0x4242));
  assert.equal(result.perTarget[0]!.received, 10);
});

test('progress is reported about once a second on a long round', async () => {
  const network = new FakeTargetNetwork('icmp-raw', () => ({ afterMs: 1 }));
  const seen: { sent: number; received: number; elapsedMs: number }[] = [];
  await runTargetRound({ io: network, clock: network, sessionId: 1 }, icmpKind, [{ address: '10.9.0.2' }], {
    count: 40,
    intervalMs: 100,
    timeoutMs: 50,
    onProgress: (progress) => seen.push(progress),
  });
  assert.ok(seen.length >= 3 && seen.length <= 4, `${seen.length} progress reports`);
  assert.ok(seen.every((p, i) => i === 0 || p.elapsedMs - seen[i - 1]!.elapsedMs >= 1000));
  assert.ok(seen[0]!.sent >= 10 && seen[0]!.received >= 9);
});

test('bad round options and targets are refused naming the value', async () => {
  const network = new FakeTargetNetwork('icmp-raw', () => null);
  const run = (targets: object[], opts: object) => runTargetRound({ io: network, clock: network }, icmpKind, targets as never, { ...options, ...opts });
  await assert.rejects(run([{ address: '10.0.0.1' }], { count: 0 }), TargetProbeError);
  await assert.rejects(run([{ address: '10.0.0.1' }], { timeoutMs: 0 }), /timeoutMs 0/);
  await assert.rejects(run([{ address: '10.0.0.256' }], {}), /targets\[0\]\.address/);
  await assert.rejects(run([{ address: '10.0.0.1', payloadBytes: -1 }], {}), /payloadBytes -1/);
  assert.equal(network.sent.length, 0);
});

test('replies the kernel stamped in time but this process had not read by the deadline still count, through the helper barrier', async () => {
  // A lagging reader: every reply reaches the engine only when it asks the helper for a barrier.
  const lagging = (withSync: boolean) => {
    const network = new FakeTargetNetwork('icmp-raw', () => ({ afterMs: 2 }));
    const held: [Parameters<Parameters<typeof network.onReceive>[0]>, number][] = [];
    let handler: Parameters<typeof network.onReceive>[0] = () => {};
    network.onReceive((datagram, receivedNs) => held.push([[datagram, receivedNs], 0]));
    const io = {
      mode: network.mode,
      queue: network.queue.bind(network),
      flush: network.flush.bind(network),
      onSent: network.onSent.bind(network),
      onReceive: (h: typeof handler) => void (handler = h),
      close: async () => {},
      ...(withSync ? { sync: async () => void held.splice(0).forEach(([args]) => handler(...args)) } : {}),
    };
    return runTargetRound({ io, clock: network, sessionId: 1 }, icmpKind, [{ address: '10.9.0.2' }], options);
  };
  const withBarrier = await lagging(true);
  assert.deepEqual([withBarrier.perTarget[0]!.received, withBarrier.perTarget[0]!.rttMs?.p50], [10, 2]);
  const without = await lagging(false);
  assert.equal(without.perTarget[0]!.received, 0);
});
