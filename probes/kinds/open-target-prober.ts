/**
 * Opens a target prober: one kind bound to its helper's sockets, ready to run rounds. The one place
 * that decides which socket a kind gets:
 * - icmp: a raw ICMP socket (CAP_NET_RAW); without the privilege, the unprivileged ping socket where
 *   net.ipv4.ping_group_range admits one of this process's groups; else a ProbePermissionError that
 *   says exactly what to grant;
 * - tcp: a raw TCP socket (CAP_NET_RAW; there is no unprivileged way to send a lone SYN);
 * - udp: ordinary UDP sockets, no privilege needed.
 * The helper is built with cc on first use; a machine without one gets NativeHelperError.
 */
import { isAddress } from '../codec/ipv4.js';
import { nativeHelperPath } from '../transport/native-helper.js';
import { systemClock, type Clock } from '../transport/transport.js';
import { icmpKind } from './icmp/icmp-kind.js';
import { currentGroups, icmpPermissionHint, pingGroupsAllow, readPingGroupRange, type ProcessGroups } from './icmp/ping-permission.js';
import type { KindCodec } from './kind-codec.js';
import { ProbePermissionError, TargetProbeError } from './kind-errors.js';
import type { OpenTargetProber, TargetAddressing, TargetProber, TargetProberOptions, TargetRoundOptions, TargetRoundResult } from './probe-kind.js';
import { routeSourceAddress } from './route-source.js';
import { tcpKind } from './tcp/tcp-kind.js';
import { runTargetRound } from './target-round.js';
import { HelperTargetIo, type TargetIo, type TargetIoMode } from './target-io.js';
import { udpKind } from './udp/udp-kind.js';

export type TargetKindName = 'icmp' | 'tcp' | 'udp';

export const targetKindCodecs: Record<TargetKindName, KindCodec> = { icmp: icmpKind, tcp: tcpKind, udp: udpKind };

/** What opening touches outside the process, for tests. */
export interface OpenTargetProberDeps {
  startIo: (mode: TargetIoMode, sourceAddress: string) => Promise<TargetIo>;
  clock: Clock;
  pingGroupRange: () => string | undefined;
  groups: () => ProcessGroups;
  routeSource: (destination: string) => Promise<string>;
}

const defaultDeps: OpenTargetProberDeps = {
  startIo: (mode, sourceAddress) => HelperTargetIo.start(mode, sourceAddress),
  clock: systemClock,
  pingGroupRange: readPingGroupRange,
  groups: currentGroups,
  routeSource: routeSourceAddress,
};

export const openTargetProber: OpenTargetProber = (kind, options) => openTargetProberWith(kind, options, defaultDeps);

export async function openTargetProberWith(kind: TargetKindName, options: TargetProberOptions = {}, deps: OpenTargetProberDeps = defaultDeps): Promise<TargetProber> {
  const codec = targetKindCodecs[kind as TargetKindName];
  if (!codec) throw new TargetProbeError(`probes.openTargetProber: kind ${JSON.stringify(kind)} is not a target kind; expected icmp, tcp or udp`);
  const sourceAddress = options.sourceAddress ?? '0.0.0.0';
  if (!isAddress(sourceAddress)) throw new TargetProbeError(`probes.openTargetProber: sourceAddress ${JSON.stringify(sourceAddress)} is not a dotted-quad IPv4 address`);
  if (kind === 'udp') return new KindProber(codec, await deps.startIo('udp', sourceAddress), 'udp', options, deps);
  if (kind === 'tcp') {
    try {
      return new KindProber(codec, await deps.startIo('tcp', sourceAddress), 'raw', options, deps);
    } catch (error) {
      if (!(error instanceof ProbePermissionError)) throw error;
      throw new ProbePermissionError(
        `probes.openTargetProber: the tcp kind needs a raw TCP socket (CAP_NET_RAW), which this process may not open (${error.message.replace(/\.\s*$/, '')})`,
        `Grant CAP_NET_RAW to the prober: AmbientCapabilities=CAP_NET_RAW in its systemd unit, or run it under \`setpriv --inh-caps +net_raw --ambient-caps +net_raw\`, or \`setcap cap_net_raw+ep ${helperPathForHint()}\` on the helper`,
      );
    }
  }
  try {
    return new KindProber(codec, await deps.startIo('icmp-raw', sourceAddress), 'raw', options, deps);
  } catch (error) {
    if (!(error instanceof ProbePermissionError)) throw error;
  }
  const groups = deps.groups();
  const range = deps.pingGroupRange();
  const hint = icmpPermissionHint(helperPathForHint(), groups, range);
  if (!pingGroupsAllow(range, groups)) {
    throw new ProbePermissionError(
      'probes.openTargetProber: the icmp kind needs a raw ICMP socket (CAP_NET_RAW) or an unprivileged ping socket (net.ipv4.ping_group_range), and this process may open neither',
      hint,
    );
  }
  try {
    return new KindProber(codec, await deps.startIo('icmp-dgram', sourceAddress), 'ping-socket', options, deps);
  } catch (error) {
    if (!(error instanceof ProbePermissionError)) throw error;
    throw new ProbePermissionError(
      `probes.openTargetProber: the kernel refused a ping socket although ping_group_range ${JSON.stringify(range)} admits gid ${groups.gid} (${error.message.replace(/\.\s*$/, '')})`,
      hint,
    );
  }
}

function helperPathForHint(): string {
  try {
    return nativeHelperPath('target-io');
  } catch {
    return 'the target-io helper';
  }
}

class KindProber implements TargetProber {
  readonly kind: TargetKindName;
  private running = false;

  constructor(
    private readonly codec: KindCodec,
    private readonly io: TargetIo,
    readonly socket: 'raw' | 'ping-socket' | 'udp',
    private readonly options: TargetProberOptions,
    private readonly deps: OpenTargetProberDeps,
  ) {
    this.kind = codec.name;
  }

  async runRound(targets: readonly TargetAddressing[], roundOptions: TargetRoundOptions): Promise<TargetRoundResult> {
    if (this.running) throw new TargetProbeError('probes.TargetProber.runRound: a round is already running on this prober; expected one round at a time');
    this.running = true;
    try {
      const bound = this.options.sourceAddress;
      targets.forEach((target, index) => {
        if (target.sourceAddress !== undefined && bound !== undefined && target.sourceAddress !== bound) {
          throw new TargetProbeError(
            `probes.TargetProber.runRound: targets[${index}].sourceAddress ${target.sourceAddress} differs from the prober's sourceAddress ${bound}; open one prober per source address`,
          );
        }
      });
      // tcp checksums cover the source address, which the kernel picks for a raw TCP socket: ask it first.
      const local = new Map<string, string>();
      if (this.codec.name === 'tcp') {
        for (const target of targets) {
          if (local.has(target.address)) continue;
          const given = bound ?? target.sourceAddress;
          local.set(target.address, given && given !== '0.0.0.0' ? given : await this.deps.routeSource(target.address).catch(() => '0.0.0.0'));
        }
      }
      return await runTargetRound(
        {
          io: this.io,
          clock: this.deps.clock,
          ...(this.options.sessionId === undefined ? {} : { sessionId: this.options.sessionId }),
          localAddressFor: (address) => local.get(address) ?? bound ?? '0.0.0.0',
        },
        this.codec,
        targets,
        roundOptions,
      );
    } finally {
      this.running = false;
    }
  }

  close(): Promise<void> {
    return this.io.close();
  }
}
