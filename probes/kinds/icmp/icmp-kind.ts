/**
 * The icmp kind: echo requests with the round's identifier, the slot's low 16 bits as sequence, and a
 * payload of `payloadBytes` (56 by default, as ping sends) that starts with the session id and the full
 * slot when there is room for them (8 bytes or more), so rounds of more than 65,536 probes still match
 * exactly and a reply carrying another session's payload is told apart. Smaller payloads (down to 0,
 * for MTU checks at the bottom of the range) match on identifier and sequence alone, which limits such a
 * round to 65,536 probes.
 *
 * A reply must be an echo reply with a valid checksum, our identifier, and the payload length we sent
 * to that target; an echo request (our own, seen on loopback, or someone pinging us) is not a reply and
 * is ignored. Replies from a raw socket carry their IPv4 header; from a ping socket they do not, and the
 * kernel has already matched the identifier.
 */
import * as ipv4 from '../../codec/ipv4.js';
import { PacketDecodeError } from '../../errors.js';
import type { KindCodec, KindRound, ReceivedDatagram, ReplyVerdict, RoundContext } from '../kind-codec.js';
import { TargetProbeError } from '../kind-errors.js';
import type { TargetAddressing } from '../probe-kind.js';
import * as icmpEcho from './icmp-echo.js';

export const DEFAULT_PAYLOAD_BYTES = 56;
/** Session id and slot, at the start of the payload when it has room. */
const STAMP_BYTES = 8;
const MAX_PAYLOAD_BYTES = 65507;

function payloadBytesOf(target: TargetAddressing): number {
  return target.payloadBytes ?? DEFAULT_PAYLOAD_BYTES;
}

export const icmpKind: KindCodec = {
  name: 'icmp',
  ported: false,

  validate(targets, count) {
    targets.forEach((target, index) => {
      const bytes = payloadBytesOf(target);
      if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_PAYLOAD_BYTES) {
        throw new TargetProbeError(`probes.icmpKind: targets[${index}].payloadBytes ${bytes} is not a payload size; expected 0..${MAX_PAYLOAD_BYTES}`);
      }
      if (bytes < STAMP_BYTES && targets.length * count > 0x10000) {
        throw new TargetProbeError(
          `probes.icmpKind: targets[${index}].payloadBytes ${bytes} leaves no room for the slot, so a round is limited to 65536 probes, got ${targets.length} targets × ${count}; use payloadBytes >= ${STAMP_BYTES} or fewer probes`,
        );
      }
    });
  },

  startRound(context: RoundContext): KindRound {
    const { sessionId, targets, count } = context;
    const identifier = context.identifier ?? sessionId & 0xffff;
    const slots = targets.length * count;
    // One payload per target, rewritten per probe: building a probe allocates only its message.
    const payloads = targets.map((target) => Buffer.alloc(payloadBytesOf(target)));
    return {
      build(targetIndex, _sequence, slot) {
        const data = payloads[targetIndex]!;
        if (data.length >= STAMP_BYTES) {
          data.writeUInt32BE(sessionId >>> 0, 0);
          data.writeUInt32BE(slot, 4);
        }
        return { data: icmpEcho.encode({ type: icmpEcho.TYPE_ECHO_REQUEST, identifier, sequence: slot & 0xffff, data }) };
      },

      match(datagram: ReceivedDatagram): ReplyVerdict {
        let start = 0;
        let end = datagram.data.length;
        let fromAddress = datagram.fromAddress;
        // Bytes of the echo data on the wire (the capture keeps only the first 128 bytes of a packet).
        let wireDataBytes = datagram.length - icmpEcho.HEADER_LENGTH;
        try {
          if (datagram.withIpHeader) {
            const ip = ipv4.decode(datagram.data.length < datagram.length ? padTo(datagram.data, datagram.length) : datagram.data);
            if (ip.protocol !== icmpEcho.PROTOCOL_ICMP) return { drop: 'malformed' };
            start = ip.headerLength;
            end = Math.min(datagram.data.length, ip.totalLength);
            fromAddress = ip.source;
            wireDataBytes = ip.totalLength - ip.headerLength - icmpEcho.HEADER_LENGTH;
          }
          const message = icmpEcho.decode(datagram.data, start, end);
          if (message.type === icmpEcho.TYPE_ECHO_REQUEST) return { drop: 'ignored' };
          if (message.type !== icmpEcho.TYPE_ECHO_REPLY) return { drop: 'foreign' };
          // A whole message is needed to check its sum; a captured prefix of a large one is trusted to the kernel's.
          if (end - start === wireDataBytes + icmpEcho.HEADER_LENGTH && !message.checksumValid) return { drop: 'malformed' };
          if (message.identifier !== identifier) return { drop: 'foreign' };
          let slot = message.sequence;
          if (message.data.length >= STAMP_BYTES) {
            if (message.data.readUInt32BE(0) !== sessionId >>> 0) return { drop: 'foreign' };
            slot = message.data.readUInt32BE(4);
            if ((slot & 0xffff) !== message.sequence) return { drop: 'forged' };
          } else if (slots > 0x10000) {
            return { drop: 'forged' };
          }
          if (slot >= slots) return { drop: 'forged' };
          const target = targets[(slot - (slot % count)) / count]!;
          // An echo reply returns the request's data whole: any other length is not a reply to it.
          if (wireDataBytes !== payloadBytesOf(target)) return { drop: 'forged' };
          return { slot, fromAddress };
        } catch (error) {
          if (error instanceof PacketDecodeError) return { drop: 'malformed' };
          throw error;
        }
      },
    };
  },
};

/**
 * The IPv4 decoder refuses a Total Length beyond the bytes it is given; a capture is a prefix of the
 * packet, whose real length the socket reported, so the header is checked against that length.
 */
function padTo(prefix: Buffer, length: number): Buffer {
  const whole = Buffer.alloc(Math.min(length, 0xffff));
  prefix.copy(whole);
  return whole;
}
