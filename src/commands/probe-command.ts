/**
 * `pathmon probe`: one probing round, printed as the latency table. With the default kind (gre) it
 * probes every path between two endpoints with nested GRE; with `--kind icmp|tcp|udp --target
 * HOST[:PORT]` it probes one target the way the monitor probes its target groups (DNS names resolved
 * first, the address shown). Runs on the prober itself: gre, icmp and tcp need raw-socket rights (root
 * or CAP_NET_RAW; icmp falls back to a ping socket where net.ipv4.ping_group_range allows), udp needs
 * none. GRE must also accept packets from its own address (checked before sending).
 *
 * A long run shows progress on stderr (a terminal, or `--progress`), and a rate the prober cannot
 * carry is said out loud rather than left to show up as queueing in the figures.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { openProbeReceiver, openTargetProber, returnPathProblems, runProbeRound, systemClock, type TargetAddressing, type TargetRoundResult } from '../../probes/index.js';
import { CliError } from '../cli-error.js';
import { openProbeSender } from '../open-probe-sender.js';
import { openTopology } from '../load-topology.js';
import { planPaths } from '../plan-paths.js';
import { latencyTableJson, latencyTableText, type PathResult } from '../report/latency-table.js';
import { reportSkippedLines } from './skipped-lines.js';
import { DEFAULT_WAIT_MS, type PathsOptions } from './paths-command.js';

const USAGE = 2;
/** Progress lines on a long run: this far apart. */
const PROGRESS_EVERY_MS = 3000;
/**
 * Below this spacing the send loop cannot time probes one by one (it yields to the event loop between
 * bursts, tens of microseconds a turn): they leave in bursts and queue behind each other.
 */
const FINEST_SPACING_MS = 0.05;

export interface ProbeOptions extends PathsOptions {
  count: number;
  intervalMs: number;
  timeoutMs: number;
  /** gre (default): every path from --from to --to; icmp, tcp, udp: one --target. */
  kind?: 'gre' | 'icmp' | 'tcp' | 'udp';
  /** HOST or HOST:PORT (an IPv4 address or a DNS name). */
  target?: string;
  /** tcp/udp: "P" or "FIRST-LAST". */
  sourcePort?: string;
  /** icmp: echo data bytes. */
  payloadBytes?: number;
  /** Progress on stderr even when it is not a terminal. */
  progress?: boolean;
}

export async function probeCommand(options: ProbeOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const kind = options.kind ?? 'gre';
  if (kind !== 'gre') return probeTargetCommand(kind, options, out, err);
  for (const [field, flag] of [
    ['topology', '--topology <spec>'],
    ['from', '--from <node>'],
    ['to', '--to <node>'],
  ] as const) {
    if (!options[field]) throw new CliError(`pathmon probe: required option '${flag}' not specified (or probe one target: --kind icmp|tcp|udp --target HOST[:PORT])`, USAGE);
  }
  if (options.target !== undefined) throw new CliError(`pathmon probe: --target ${options.target} needs --kind icmp, tcp or udp; the gre kind probes the paths from --from to --to`, USAGE);
  // One-shot: an exabgp: topology is taken at End-of-RIB and ExaBGP stopped before probing starts.
  const { source, topology, skipped } = await openTopology(options.topology, options.waitMs ?? DEFAULT_WAIT_MS, { hosts: options.host ?? [] });
  await source.close();
  reportSkippedLines(options.topology, skipped, err);
  const { planned } = planPaths(topology, options.from, options.to, options, options.mode);
  for (const entry of planned) if (entry.unaddressable) err.write(`pathmon: not probing ${entry.path.names.join(' ')}: ${entry.unaddressable}\n`);
  const probed = planned.filter((entry) => entry.hops);
  if (probed.length === 0) throw new CliError(`pathmon probe: none of the ${planned.length} paths from ${options.from} to ${options.to} can be addressed`);

  for (const source of new Set(probed.map((entry) => entry.hops!.source))) {
    for (const problem of returnPathProblems(source)) err.write(`pathmon: warning: ${problem}\n`);
  }

  const sender = await openProbeSender('pathmon probe', (line) => err.write(`pathmon: warning: ${line}\n`));
  // Kernel receive timestamps where the probe-rx helper builds; otherwise dgram, with the reason on stderr.
  const { receiver } = await openProbeReceiver('0.0.0.0', { log: (line) => err.write(`pathmon: warning: ${line}\n`) });
  try {
    const { perPath, drops } = await runProbeRound(
      { sender, receiver, clock: systemClock },
      probed.map((entry) => ({ source: entry.hops!.source, hops: entry.hops!.hops, returnAddress: entry.hops!.returnAddress })),
      { count: options.count, intervalMs: options.intervalMs, timeoutMs: options.timeoutMs },
    );
    const results: PathResult[] = probed.map((entry, index) => ({
      id: entry.path.id,
      path: entry.path.names,
      hops: entry.hops!.hops,
      ...perPath[index]!,
    }));
    if (options.json) out.write(`${JSON.stringify(latencyTableJson(results), null, 2)}\n`);
    else out.write(`${latencyTableText(results)}\n`);

    const foreign = drops.malformed + drops.otherSession + drops.forged;
    if (foreign > 0) err.write(`pathmon: dropped ${foreign} packet(s) on the probe port that were not this round's probes (${JSON.stringify(drops)})\n`);
    const sendErrors = Object.entries(sender.sendErrors);
    if (sendErrors.length > 0) err.write(`pathmon: probes that could not be sent (counted as lost): ${sendErrors.map(([code, n]) => `${code} ×${n}`).join(', ')}\n`);
    return 0;
  } finally {
    sender.close();
    receiver.close();
  }
}

/** `HOST`, `HOST:PORT`; the port is required for tcp and udp and refused for icmp. */
export function parseTargetText(kind: 'icmp' | 'tcp' | 'udp', text: string): { host: string; port?: number } {
  const match = /^([^:\s]+)(?::(\d+))?$/.exec(text.trim());
  if (!match) throw new CliError(`pathmon probe: --target ${JSON.stringify(text)} is not HOST or HOST:PORT (an IPv4 address or a DNS name)`, USAGE);
  const host = match[1]!;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && !(port >= 1 && port <= 65535)) throw new CliError(`pathmon probe: --target ${text}: port ${port} is not in 1..65535`, USAGE);
  if (kind === 'icmp' && port !== undefined) throw new CliError(`pathmon probe: --target ${text}: icmp has no port; expected HOST`, USAGE);
  if (kind !== 'icmp' && port === undefined) throw new CliError(`pathmon probe: --target ${text}: ${kind} needs a port; expected HOST:PORT`, USAGE);
  return port === undefined ? { host } : { host, port };
}

/** `P` or `FIRST-LAST`, ports 1..65535, FIRST <= LAST. */
export function parseSourcePort(text: string): number | [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  const first = match ? Number(match[1]) : NaN;
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (!match || !(first >= 1 && last <= 65535 && first <= last)) {
    throw new CliError(`pathmon probe: --source-port ${JSON.stringify(text)} is not a port or a range; expected P or FIRST-LAST within 1..65535`, USAGE);
  }
  return match[2] === undefined ? first : [first, last];
}

async function resolveHost(host: string): Promise<string> {
  if (isIP(host) === 4) return host;
  if (isIP(host) === 6) throw new CliError(`pathmon probe: --target ${host} is IPv6; pathmon probes IPv4 only`, USAGE);
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch (error) {
    throw new CliError(`pathmon probe: cannot resolve --target ${host} to an IPv4 address (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

async function probeTargetCommand(kind: 'icmp' | 'tcp' | 'udp', options: ProbeOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (options.target === undefined) throw new CliError(`pathmon probe: --kind ${kind} needs --target HOST${kind === 'icmp' ? '' : ':PORT'}`, USAGE);
  if (options.sourcePort !== undefined && kind === 'icmp') throw new CliError('pathmon probe: --source-port applies to tcp and udp; icmp has no ports', USAGE);
  if (options.payloadBytes !== undefined && kind !== 'icmp') throw new CliError(`pathmon probe: --payload-bytes applies to icmp; ${kind} probes have a fixed size`, USAGE);
  const { host, port } = parseTargetText(kind, options.target);
  const sourcePort = options.sourcePort === undefined ? undefined : parseSourcePort(options.sourcePort);
  const address = await resolveHost(host);
  const target: TargetAddressing = {
    address,
    ...(port === undefined ? {} : { port }),
    ...(sourcePort === undefined ? {} : { sourcePort }),
    ...(options.payloadBytes === undefined ? {} : { payloadBytes: options.payloadBytes }),
  };
  const warn = (line: string) => err.write(`pathmon: warning: ${line}\n`);
  const requestedPerSecond = options.intervalMs > 0 ? 1000 / options.intervalMs : Infinity;
  if (options.count > 1 && options.intervalMs < FINEST_SPACING_MS) {
    warn(`--interval-ms ${options.intervalMs} is below the ${FINEST_SPACING_MS} ms the prober can space probes by: they will leave in bursts and ` + 'the RTTs will include their own queueing');
  }

  const prober = await openTargetProber(kind);
  if (prober.socket === 'ping-socket') warn('no CAP_NET_RAW: probing through an unprivileged ping socket (net.ipv4.ping_group_range)');
  const showProgress = options.progress ?? (err as { isTTY?: boolean }).isTTY === true;
  let lastProgressMs = 0;
  let result: TargetRoundResult;
  try {
    result = await prober.runRound([target], {
      count: options.count,
      intervalMs: options.intervalMs,
      timeoutMs: options.timeoutMs,
      ...(showProgress
        ? {
            onProgress: ({ sent, received, elapsedMs }) => {
              if (elapsedMs - lastProgressMs < PROGRESS_EVERY_MS) return;
              lastProgressMs = elapsedMs;
              err.write(`pathmon: probe ${options.target}: sent ${sent}/${options.count}, received ${received}, ${(elapsedMs / 1000).toFixed(1)} s\n`);
            },
          }
        : {}),
    });
  } finally {
    await prober.close();
  }

  const stats = result.perTarget[0]!;
  const label = host === address ? options.target : `${options.target} (${address}${port === undefined ? '' : `:${port}`})`;
  const row: PathResult = { id: options.target, path: [label], hops: [address], ...stats };
  const refused = result.refused[0] ?? 0;
  const failedSourcePorts = result.failedSourcePorts[0] ?? [];
  if (options.json) {
    const [json] = latencyTableJson([row]) as Record<string, unknown>[];
    out.write(`${JSON.stringify([{ ...json, kind, address, ...(port === undefined ? {} : { port }), refused, failedSourcePorts }], null, 2)}\n`);
  } else {
    out.write(`${latencyTableText([row])}\n`);
    if (kind === 'tcp' && refused > 0) out.write(`${refused} of ${stats.received} answers were RST: port ${port} is closed, the host reachable\n`);
    if (sourcePort !== undefined && failedSourcePorts.length > 0) out.write(`source ports with lost probes: ${compactPorts(failedSourcePorts)}\n`);
  }

  // Rate: what the prober achieved against what was asked, once there is a span to measure.
  const sendSpanNs = result.sendSpanNs ?? 0;
  if (stats.sent > 10 && sendSpanNs > 0 && Number.isFinite(requestedPerSecond)) {
    const achievedPerSecond = ((stats.sent - 1) / sendSpanNs) * 1e9;
    if (achievedPerSecond < 0.9 * requestedPerSecond) {
      warn(`asked for ${Math.round(requestedPerSecond)} probes/s, the prober sent ${Math.round(achievedPerSecond)}/s: the rate is beyond what it can carry here`);
    }
  }
  const foreign = result.drops.malformed + result.drops.foreign + result.drops.forged;
  if (foreign > 0) err.write(`pathmon: dropped ${foreign} packet(s) that were not replies to this run's probes (${JSON.stringify(result.drops)})\n`);
  const sendErrors = Object.entries(result.sendErrors ?? {});
  if (sendErrors.length > 0) {
    const mtu = result.sendErrors?.EMSGSIZE ? ' (EMSGSIZE: the probe is larger than the path MTU and DF is set)' : '';
    err.write(`pathmon: probes that could not be sent (counted as lost): ${sendErrors.map(([code, n]) => `${code} ×${n}`).join(', ')}${mtu}\n`);
  }
  return 0;
}

/** 33000-33003, 33007: runs of ports shown as ranges. */
function compactPorts(ports: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ports.length; ) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j]! + 1) j++;
    parts.push(i === j ? `${ports[i]}` : `${ports[i]}-${ports[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
