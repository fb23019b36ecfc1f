/**
 * probes/: builds, sends, receives and matches probe packets. It knows paths as lists of hop addresses,
 * never as graphs. This file is the whole public surface.
 */
export * from './codec/index.js';
export { encodeProbePacket, decodeProbePacket, peelGre, ProbeTemplate, probePacketLength, type ProbeAddressing, type ProbeTemplateOptions } from './nested-gre.js';
export { runProbeRound, type RoundOptions, type RoundDeps, type RoundResult, type PathAddressing, type DropCounts } from './engine/probe-round.js';
export { createRoundRunner, type ProbeRoundRunner } from './engine/round-runner.js';
export { ProbeTemplateCache, type TemplateCacheOptions, type TemplateRunCounts } from './engine/template-cache.js';
export { roundStats, type RoundStats, type RttSummaryMs } from './stats/round-stats.js';
export { systemClock, type Clock, type ProbeSender, type ProbeReceiver, type RoundPlan } from './transport/transport.js';
export { RawIpv4Sender } from './transport/raw-ipv4-sender.js';
export { NativeRoundSender } from './transport/native-round-sender.js';
export { UdpProbeReceiver } from './transport/udp-receiver.js';
export { returnPathProblems } from './transport/return-path-check.js';
export { KernelStampedReceiver } from './transport/kernel-stamped-receiver.js';
export { openProbeReceiver, type OpenProbeReceiverOptions, type OpenedProbeReceiver } from './transport/open-probe-receiver.js';
export { nativeHelperPath, NativeHelperError } from './transport/native-helper.js';
export { PathHistograms, type HistogramSummaryMs } from './stats/path-histograms.js';
export { ProbeSigner, ProbeKeyError, HMAC_TAG_BYTES, FLAG_HMAC } from './auth/probe-hmac.js';
export { measureProberOverhead, type ProberOverhead } from './engine/prober-overhead.js';
export type { ProbeKindName, TargetAddressing, TargetRoundOptions, KindDropCounts, TargetRoundResult, TargetProber, TargetProberOptions, OpenTargetProber } from './kinds/probe-kind.js';
export type { TargetRoundProgress } from './kinds/probe-kind.js';
export {
  openTargetProber,
  openTargetProberWith,
  runTargetRound,
  validateRound,
  probeKinds,
  isProbeKindName,
  targetKindCodecs,
  HelperTargetIo,
  TargetProbeError,
  ProbePermissionError,
  TargetIoError,
  icmpKind,
  tcpKind,
  udpKind,
  icmpEcho,
  tcpHeader,
  UdpResponder,
  isProbeDatagram,
  pingGroupsAllow,
  parsePingGroupRange,
  icmpPermissionHint,
  routeSourceAddress,
  ICMP_DEFAULT_PAYLOAD_BYTES,
} from './kinds/index.js';
export type {
  KindCodec,
  KindRound,
  ReceivedDatagram,
  ReplyVerdict,
  RoundContext,
  TargetRoundDeps,
  TargetIo,
  TargetIoMode,
  SendReport,
  TargetKindName,
  OpenTargetProberDeps,
  RegisteredKind,
  UdpResponderOptions,
  UdpResponderCounts,
} from './kinds/index.js';
