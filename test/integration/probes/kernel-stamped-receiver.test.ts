/**
 * The probe-rx helper on a real socket (loopback): it is built with cc on first use, hands every
 * datagram on with a kernel timestamp on Node's monotonic clock, and survives a flood of garbage on
 * the probe port while a round runs, with the round's figures unchanged and every stranger counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { decodeProbePacket, KernelStampedReceiver, probePayload, runProbeRound, systemClock, type ProbeSender } from '../../../probes/index.js';

const noCompiler = (() => {
  try {
    execFileSync(process.env.CC ?? 'cc', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'no C compiler: the helper falls back to the dgram receiver there';
  }
})();

test('each datagram arrives with a kernel receive time between its send and its delivery', { skip: noCompiler }, async () => {
  const receiver = await KernelStampedReceiver.start('127.0.0.1');
  const socket = createSocket('udp4');
  try {
    const got: { payload: Buffer; receivedNs: bigint; handledNs: bigint }[] = [];
    const done = new Promise<void>((resolve) =>
      receiver.onPayload((payload, receivedNs) => {
        got.push({ payload: Buffer.from(payload), receivedNs, handledNs: process.hrtime.bigint() });
        if (got.length === 3) resolve();
      }),
    );
    const sentNs = process.hrtime.bigint();
    for (const datagram of [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(100, 7)]) socket.send(datagram, receiver.port, '127.0.0.1');
    await done;
    assert.deepEqual(
      got.map((g) => g.payload.length),
      [1, 0, 48],
      'long datagrams are cut to the 48 bytes a probe needs',
    );
    for (const g of got) assert.ok(g.receivedNs > sentNs && g.receivedNs <= g.handledNs, `${sentNs} < ${g.receivedNs} <= ${g.handledNs}`);
    assert.equal(receiver.unstamped, 0);
  } finally {
    receiver.close();
    socket.close();
  }
});

test('a flood of foreign packets on the probe port is counted and changes no figure', { skip: noCompiler }, async () => {
  const receiver = await KernelStampedReceiver.start('127.0.0.1');
  const network = createSocket('udp4');
  const stranger = createSocket('udp4');
  const sender: ProbeSender = {
    send: (packet, _hop, stamp) => {
      stamp();
      const { payload } = decodeProbePacket(packet);
      if (payload.pathId === 1) return;
      const datagram = probePayload.encode(payload);
      setTimeout(() => network.send(datagram, receiver.port, '127.0.0.1'), 2);
    },
    close: () => {},
  };
  const garbage = [
    Buffer.from('GET / HTTP/1.0\r\n\r\n'),
    Buffer.alloc(0),
    Buffer.alloc(27, 0xff),
    probePayload.encode({ sessionId: 1, pathId: 0, sequence: 0, sendTimeNs: 1n }),
    probePayload.encode({ sessionId: 2, pathId: 0, sequence: 3, sendTimeNs: 1n }), // right session, wrong time
  ];
  let strangerSent = 0;
  const flood = setInterval(() => {
    for (let i = 0; i < 20; i++) for (const datagram of garbage) stranger.send(datagram, receiver.port, '127.0.0.1', () => strangerSent++);
  }, 1);
  try {
    const paths = [0, 1].map(() => ({ source: '127.0.0.1', hops: ['127.0.0.2'], returnAddress: '127.0.0.1' }));
    const { perPath, drops } = await runProbeRound({ sender, receiver, clock: systemClock, sessionId: 2 }, paths, { count: 50, intervalMs: 4, timeoutMs: 500 });
    assert.equal(perPath[0]!.received, 50);
    assert.ok(perPath[0]!.rttMs!.min >= 1, `min ${perPath[0]!.rttMs!.min} ms, expected about the 2 ms the network holds each probe`);
    assert.equal(perPath[1]!.lossPct, 100);
    assert.ok(drops.malformed > 0 && drops.otherSession > 0 && drops.forged > 0, JSON.stringify(drops));
    assert.ok(drops.malformed + drops.otherSession + drops.forged <= strangerSent);
  } finally {
    clearInterval(flood);
    receiver.close();
    network.close();
    stranger.close();
  }
});
