/**
 * probes/kinds: the probe kinds beside nested GRE (icmp, tcp, udp), the target engine they share and
 * the registry of every kind. Reached from outside through probes/index.ts.
 */
export type * from './probe-kind.js';
export type { KindCodec, KindRound, ReceivedDatagram, ReplyVerdict, RoundContext, BuiltProbe, DropReason } from './kind-codec.js';
export { runTargetRound, validateRound, type TargetRoundDeps } from './target-round.js';
export { HelperTargetIo, type TargetIo, type TargetIoMode, type SendReport } from './target-io.js';
export { openTargetProber, openTargetProberWith, targetKindCodecs, type TargetKindName, type OpenTargetProberDeps } from './open-target-prober.js';
export { probeKinds, isProbeKindName, type RegisteredKind } from './kind-registry.js';
export { TargetProbeError, ProbePermissionError, TargetIoError } from './kind-errors.js';
export { icmpKind, DEFAULT_PAYLOAD_BYTES as ICMP_DEFAULT_PAYLOAD_BYTES } from './icmp/icmp-kind.js';
export * as icmpEcho from './icmp/icmp-echo.js';
export { pingGroupsAllow, parsePingGroupRange, icmpPermissionHint } from './icmp/ping-permission.js';
export { tcpKind } from './tcp/tcp-kind.js';
export * as tcpHeader from './tcp/tcp-header.js';
export { udpKind } from './udp/udp-kind.js';
export { UdpResponder, isProbeDatagram, type UdpResponderOptions, type UdpResponderCounts } from './udp/udp-responder.js';
export { routeSourceAddress } from './route-source.js';
