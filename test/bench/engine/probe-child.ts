/**
 * The pathmon side of the engine benchmark, run inside a namespace the bench made
 * (`ip netns exec NS node probe-child.js JSON`), because the prober must own the probed addresses.
 * One job per run, given as JSON; the last stdout line is the result as JSON.
 *
 * - throughput: one round over `paths` copies of a path at `rate` probes/s for `seconds`.
 * - overhead: the prober's own send+receive cost (measureProberOverhead).
 * - samples: one round returning every RTT with the session id, for matching against lab truth.
 * - rss: back-to-back rounds at `rate` over `paths` paths for `seconds`, RSS sampled every `sampleS`.
 */
import {
  KernelStampedReceiver,
  NativeRoundSender,
  PathHistograms,
  ProbeSigner,
  RawIpv4Sender,
  UdpProbeReceiver,
  measureProberOverhead,
  runProbeRound,
  systemClock,
  type PathAddressing,
  type ProbeReceiver,
} from '../../../probes/index.js';

interface Job {
  job: 'throughput' | 'overhead' | 'samples' | 'rss';
  receiver: 'kernel' | 'dgram';
  /** node: RawIpv4Sender, a send per probe from the event loop; native: the probe-tx helper paces and stamps (default). */
  sender?: 'node' | 'native';
  source: string;
  hops?: string[];
  paths?: number;
  rate?: number;
  seconds?: number;
  timeoutMs?: number;
  hmac?: boolean;
  addressing?: PathAddressing[];
  count?: number;
  intervalMs?: number;
  sampleS?: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;

async function openReceiver(): Promise<ProbeReceiver> {
  return job.receiver === 'dgram' ? UdpProbeReceiver.bind(job.source) : KernelStampedReceiver.start(job.source);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

async function main(): Promise<object> {
  const sender = job.sender === 'node' ? new RawIpv4Sender() : await NativeRoundSender.start();
  const receiver = await openReceiver();
  const deps = { sender, receiver, clock: systemClock };
  try {
    if (job.job === 'overhead') {
      return await measureProberOverhead(deps, job.source, { count: job.count ?? 300 });
    }
    if (job.job === 'samples') {
      const sessionId = Math.floor(Math.random() * 2 ** 32);
      const round = await runProbeRound({ ...deps, sessionId }, job.addressing!, { count: job.count!, intervalMs: job.intervalMs!, timeoutMs: job.timeoutMs ?? 1000 });
      return { sessionId, samplesNs: round.samplesNs.map((s) => Array.from(s)), perPath: round.perPath };
    }
    const pathCount = job.paths ?? 64;
    const rate = job.rate ?? 10_000;
    const paths: PathAddressing[] = Array.from({ length: pathCount }, () => ({ source: job.source, hops: job.hops!, returnAddress: job.source }));
    const signer = job.hmac ? new ProbeSigner(Buffer.alloc(32, 7)) : undefined;
    if (job.job === 'throughput') {
      const seconds = job.seconds ?? 2;
      const count = Math.max(1, Math.round((rate * seconds) / pathCount));
      const startNs = process.hrtime.bigint();
      const round = await runProbeRound(deps, paths, { count, intervalMs: (1000 * pathCount) / rate, timeoutMs: job.timeoutMs ?? 500, keepSamples: false, signer });
      const wallS = Number(process.hrtime.bigint() - startNs) / 1e9;
      const sent = sum(round.perPath.map((s) => s.sent));
      const matched = sum(round.perPath.map((s) => s.received));
      const p = round.perPath.filter((s) => s.rttMs);
      const med = (f: (s: (typeof p)[number]) => number) => p.map(f).sort((a, b) => a - b)[p.length >> 1] ?? null;
      return {
        rate,
        sent,
        matched,
        lossPct: sent === 0 ? 100 : (100 * (sent - matched)) / sent,
        sendSpanS: round.sendSpanNs / 1e9,
        sentPerS: sent / (round.sendSpanNs / 1e9),
        matchedPerS: matched / (round.sendSpanNs / 1e9),
        wallS,
        rttMinMs: Math.min(...p.map((s) => s.rttMs!.min)),
        rttP50Ms: med((s) => s.rttMs!.p50),
        rttP99Ms: med((s) => s.rttMs!.p99),
        drops: round.drops,
        sendErrors: sender.sendErrors,
      };
    }
    // rss: rounds of 10 probes per path, back to back, each a little faster than `rate` so that with
    // its timeout tail the average comes out at `rate`.
    const seconds = job.seconds ?? 30;
    const sampleS = job.sampleS ?? 5;
    const timeoutMs = 50;
    const intervalMs = Math.max(1, ((1000 * 10 * pathCount) / rate - timeoutMs - 20) / 10);
    const longRun = new PathHistograms(pathCount);
    const rssMb: { atS: number; rssMb: number; heapUsedMb: number; heapTotalMb: number; externalMb: number; arrayBuffersMb: number; histogramKb: number }[] = [];
    const startNs = process.hrtime.bigint();
    const elapsedS = () => Number(process.hrtime.bigint() - startNs) / 1e9;
    let nextSample = 0;
    let sent = 0;
    let matched = 0;
    let rounds = 0;
    while (elapsedS() < seconds) {
      const round = await runProbeRound(deps, paths, { count: 10, intervalMs, timeoutMs, keepSamples: false, signer });
      longRun.add(round.histograms);
      sent += sum(round.perPath.map((s) => s.sent));
      matched += sum(round.perPath.map((s) => s.received));
      rounds++;
      if (elapsedS() >= nextSample) {
        const m = process.memoryUsage();
        const mb = (x: number) => Math.round((x / 2 ** 20) * 10) / 10;
        rssMb.push({
          atS: Math.round(elapsedS()),
          rssMb: m.rss / 2 ** 20,
          heapUsedMb: mb(m.heapUsed),
          heapTotalMb: mb(m.heapTotal),
          externalMb: mb(m.external),
          arrayBuffersMb: mb(m.arrayBuffers),
          histogramKb: Math.round(longRun.footprintBytes / 1024),
        });
        nextSample += sampleS;
      }
    }
    const wallS = elapsedS();
    return {
      rate,
      paths: pathCount,
      rounds,
      sent,
      matched,
      lossPct: (100 * (sent - matched)) / Math.max(1, sent),
      wallS,
      probesPerS: sent / wallS,
      rssMb,
      histogramBytes: longRun.footprintBytes,
      longRunP50Ms: longRun.summaryMs(0)?.p50 ?? null,
    };
  } finally {
    sender.close();
    receiver.close();
  }
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`probe-child: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
