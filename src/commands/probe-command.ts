/**
 * `pathmon probe`: one probing round over every path between two endpoints, printed as the per-path
 * latency table. Runs on the prober itself (the `--from` node), which needs raw-socket rights (root or
 * CAP_NET_RAW) and must accept packets from its own address (checked before sending).
 */
import { openProbeReceiver, returnPathProblems, runProbeRound, systemClock } from '../../probes/index.js';
import { CliError } from '../cli-error.js';
import { openProbeSender } from '../open-probe-sender.js';
import { openTopology } from '../load-topology.js';
import { planPaths } from '../plan-paths.js';
import { latencyTableJson, latencyTableText, type PathResult } from '../report/latency-table.js';
import { reportSkippedLines } from './skipped-lines.js';
import { DEFAULT_WAIT_MS, type PathsOptions } from './paths-command.js';

export interface ProbeOptions extends PathsOptions {
  count: number;
  intervalMs: number;
  timeoutMs: number;
}

export async function probeCommand(options: ProbeOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
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

