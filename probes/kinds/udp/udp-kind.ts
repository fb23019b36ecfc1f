/**
 * The udp kind: a pathmon probe payload (probes/codec/probe-payload.ts: session, target index as path
 * id, sequence) to a `pathmon respond` echo server at the target's port, from a chosen source port, so
 * the 5-tuple is the caller's. Sweeping the source port walks the ECMP members between prober and
 * responder one by one, and the ports whose probes fail point at the member that drops.
 *
 * The responder returns the payload unchanged; a reply must decode as a probe payload of this session,
 * and the engine checks it came from the target's address and port to the port the probe left from.
 */
import * as probePayload from '../../codec/probe-payload.js';
import { PacketDecodeError } from '../../errors.js';
import type { KindCodec, KindRound, ReceivedDatagram, ReplyVerdict, RoundContext } from '../kind-codec.js';

export const udpKind: KindCodec = {
  name: 'udp',
  ported: true,

  validate() {},

  startRound(context: RoundContext): KindRound {
    const { sessionId, targets, count } = context;
    return {
      build(targetIndex, sequence) {
        // The send time field is the engine's view at build; RTTs come from the helper's stamps, not from it.
        return { data: probePayload.encode({ sessionId: sessionId >>> 0, pathId: targetIndex, sequence, sendTimeNs: 0n }) };
      },

      match(datagram: ReceivedDatagram): ReplyVerdict {
        try {
          const payload = probePayload.decode(datagram.data, 0);
          if (payload.sessionId !== sessionId >>> 0) return { drop: 'foreign' };
          if (payload.pathId >= targets.length || payload.sequence >= count) return { drop: 'forged' };
          return { slot: payload.pathId * count + payload.sequence, fromAddress: datagram.fromAddress, fromPort: datagram.fromPort, toPort: datagram.localPort };
        } catch (error) {
          if (error instanceof PacketDecodeError) return { drop: 'malformed' };
          throw error;
        }
      },
    };
  },
};
