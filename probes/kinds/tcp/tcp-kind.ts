/**
 * The tcp kind: a SYN to the target's port, timed to the SYN/ACK (port open) or to the RST (port closed:
 * the host answered, so it is reachable, and the RST's own RTT is a sample like any other, counted in
 * `refused`). No answer is loss: a filtered port. A connection is never completed: after a SYN/ACK the
 * engine sends a RST (and the kernel, which has no socket for the port, sends its own too).
 *
 * The initial sequence number is the round's random salt plus the probe's slot, so the acknowledgment
 * in a reply (ISN + 1, RFC 9293 §3.4) names the slot it answers and a stranger must guess 32 random
 * bits to claim one; the engine then checks both ports and the address. A raw TCP socket sees every
 * segment the host receives, so segments that are neither a SYN/ACK nor an acknowledging RST are ignored
 * rather than counted.
 */
import { randomInt } from 'node:crypto';
import * as ipv4 from '../../codec/ipv4.js';
import { PacketDecodeError } from '../../errors.js';
import type { KindCodec, KindRound, ReceivedDatagram, ReplyVerdict, RoundContext } from '../kind-codec.js';
import * as tcp from './tcp-header.js';

/** MSS 1460 (kind 2, length 4): a SYN with the option every stack sends, so middleboxes treat it as one. */
const SYN_OPTIONS = Buffer.from([2, 4, 0x05, 0xb4]);
const SYN_WINDOW = 64240;

export const tcpKind: KindCodec = {
  name: 'tcp',
  ported: true,

  validate() {},

  startRound(context: RoundContext): KindRound {
    const { targets, count } = context;
    const slots = targets.length * count;
    const salt = randomInt(0, 2 ** 32 - 1);
    return {
      build(targetIndex, _sequence, slot, sourcePort) {
        const target = targets[targetIndex]!;
        const data = tcp.encode(
          { sourcePort, destinationPort: target.port!, sequence: (salt + slot) >>> 0, acknowledgment: 0, flags: tcp.FLAG_SYN, window: SYN_WINDOW, options: SYN_OPTIONS },
          context.localAddressFor(target.address),
          target.address,
        );
        return { data };
      },

      match(datagram: ReceivedDatagram): ReplyVerdict {
        if (!datagram.withIpHeader) return { drop: 'malformed' };
        try {
          const ip = ipv4.decode(datagram.data.length < datagram.length ? padTo(datagram.data, datagram.length) : datagram.data);
          if (ip.protocol !== tcp.PROTOCOL_TCP) return { drop: 'malformed' };
          const end = Math.min(datagram.data.length, ip.totalLength);
          const segment = tcp.decode(datagram.data, ip.headerLength, end);
          const synAck = (segment.flags & (tcp.FLAG_SYN | tcp.FLAG_ACK | tcp.FLAG_RST)) === (tcp.FLAG_SYN | tcp.FLAG_ACK);
          const refusal = (segment.flags & (tcp.FLAG_RST | tcp.FLAG_ACK)) === (tcp.FLAG_RST | tcp.FLAG_ACK);
          if (!synAck && !refusal) return { drop: 'ignored' };
          // The checksum is not checked: a segment that crossed loopback or a veth carries a partial one
          // (the sum is left to hardware that never runs), so a genuine SYN/ACK would fail the check.
          // What makes a reply ours is the 32-bit acknowledgment, both ports and the address.
          const slot = (segment.acknowledgment - 1 - salt) >>> 0;
          const verdict = { slot: slot < slots ? slot : -1, fromAddress: ip.source, fromPort: segment.sourcePort, toPort: segment.destinationPort };
          if (refusal) return { ...verdict, refused: true };
          const reset = tcp.encode(
            { sourcePort: segment.destinationPort, destinationPort: segment.sourcePort, sequence: segment.acknowledgment, acknowledgment: 0, flags: tcp.FLAG_RST, window: 0 },
            ip.destination,
            ip.source,
          );
          return { ...verdict, followUp: { destination: ip.source, data: reset } };
        } catch (error) {
          if (error instanceof PacketDecodeError) return { drop: 'malformed' };
          throw error;
        }
      },
    };
  },
};

function padTo(prefix: Buffer, length: number): Buffer {
  const whole = Buffer.alloc(Math.min(length, 0xffff));
  prefix.copy(whole);
  return whole;
}
