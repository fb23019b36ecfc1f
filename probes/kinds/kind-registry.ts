/**
 * Every probe kind pathmon has, in one place: the one switch from a kind's name (as a config or the
 * command line gives it) to what runs it. Nested GRE probes paths (lists of hop addresses) through its
 * own engine, kept as it is (createRoundRunner, built and measured for 100,000 routes); icmp, tcp and
 * udp probe targets through the target engine. A new kind is a new folder and one line here.
 */
import { createRoundRunner } from '../engine/round-runner.js';
import type { KindCodec } from './kind-codec.js';
import { openTargetProber, targetKindCodecs } from './open-target-prober.js';
import type { OpenTargetProber, ProbeKindName } from './probe-kind.js';

export type RegisteredKind =
  | { name: 'gre'; addressing: 'path'; summary: string; createRunner: typeof createRoundRunner }
  | { name: 'icmp' | 'tcp' | 'udp'; addressing: 'target'; summary: string; codec: KindCodec; open: OpenTargetProber };

export const probeKinds: Readonly<Record<ProbeKindName, RegisteredKind>> = {
  gre: { name: 'gre', addressing: 'path', summary: 'nested GRE along a forced path, UDP back to the prober', createRunner: createRoundRunner },
  icmp: { name: 'icmp', addressing: 'target', summary: 'ICMP echo request/reply', codec: targetKindCodecs.icmp, open: openTargetProber },
  tcp: { name: 'tcp', addressing: 'target', summary: 'TCP SYN answered by SYN/ACK (open) or RST (closed), never completed', codec: targetKindCodecs.tcp, open: openTargetProber },
  udp: { name: 'udp', addressing: 'target', summary: 'UDP to a pathmon respond echo server', codec: targetKindCodecs.udp, open: openTargetProber },
};

export function isProbeKindName(name: string): name is ProbeKindName {
  return Object.hasOwn(probeKinds, name);
}
