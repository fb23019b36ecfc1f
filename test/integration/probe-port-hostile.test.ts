/**
 * The engine on a real UDP socket (loopback): replies arrive through the kernel while a stranger floods
 * the probe port with garbage, truncated probes and probes of another session. The figures must come
 * out exactly as if the stranger were not there, and every stranger's packet must be counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { decodeProbePacket, probePayload, runProbeRound, systemClock, UdpProbeReceiver, type ProbeSender } from '../../probes/index.js';

test('a flood of foreign packets on the probe port is counted and changes no figure', async () => {
  const receiver = await UdpProbeReceiver.bind('127.0.0.1');
  const network = createSocket('udp4');
  const stranger = createSocket('udp4');
  // The "network" returns each probe's innermost payload to the probe port after 2 ms; path 1 loses all.
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
    probePayload.encode({ sessionId: 1, pathId: 0, sequence: 0, sendTimeNs: 1n }), // another session
  ];
  let strangerSent = 0;
  const flood = setInterval(() => {
    for (const datagram of garbage) stranger.send(datagram, receiver.port, '127.0.0.1', () => strangerSent++);
  }, 1);

  try {
    const paths = [0, 1].map(() => ({ source: '127.0.0.1', hops: ['127.0.0.2'], returnAddress: '127.0.0.1' }));
    const { perPath, drops } = await runProbeRound({ sender, receiver, clock: systemClock, sessionId: 2 }, paths, {
      count: 50,
      intervalMs: 4,
      timeoutMs: 500,
    });
    assert.equal(perPath[0]!.received, 50);
    assert.equal(perPath[0]!.lossPct, 0);
    // libuv runs timers on a millisecond loop clock, so a 2 ms hold can end up to 1 ms early by hrtime.
    assert.ok(perPath[0]!.rttMs!.min >= 1, `min ${perPath[0]!.rttMs!.min} ms, expected about the 2 ms the network holds each probe`);
    assert.equal(perPath[1]!.lossPct, 100);
    assert.ok(drops.malformed > 0 && drops.otherSession > 0, JSON.stringify(drops));
    assert.ok(drops.malformed + drops.otherSession <= strangerSent);
  } finally {
    clearInterval(flood);
    receiver.close();
    network.close();
    stranger.close();
  }
});
