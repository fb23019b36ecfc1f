/**
 * The icmp and tcp probe kinds against their peers, in one run, against one target: how many probes
 * per second pathmon sends and matches with < 1 % loss, against fping's best rate at < 1 % loss
 * (ICMP; fping has no TCP), and how its RTTs agree with fping's (median, ICMP) and nping's (average,
 * ICMP and TCP SYN; nping prints no median) measured back to back at 1,000 probes/s.
 *
 * Everything runs between two namespaces made for this run (prober and target over one veth pair; the
 * target has a real TCP listener), pathmon in a child inside the prober namespace, the peers there too.
 * Rates are found by a ladder: each step is one round (one fping run) at a higher asked rate, and the
 * best step still under 1 % loss is the figure. pathmon's rate is given both as its send rate (first to
 * last send) and over the whole run, the way fping's must be measured (wall time of the command, which
 * includes its start-up), so the comparison is the wall-time one. The goal (at least fping's rate, a
 * median within 20 us of fping's) is printed and recorded, not asserted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/repo-root.js';
import type { Benchmark } from './benchmark.js';
import { createBenchNet, RESPONDER_ADDRESS } from './engine/bench-net.js';

const TCP_PORT = 8080;
const RATES = [5_000, 10_000, 20_000, 50_000, 100_000, 200_000];
const LADDER_COUNT = 20_000;
const RTT_COUNT = 2_000;
const FPING_PERIODS_MS = [1, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005];

interface Step {
  askedPerS: number;
  sent: number;
  received: number;
  lossPct: number;
  sendPerS: number;
  wallPerS: number;
}

/** The child that runs pathmon's rounds inside the prober namespace and prints one JSON line. */
const child = `
const { openTargetProber } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist', 'probes', 'index.js')).href)});
const [target, port, rates, ladderCount, rttCount] = JSON.parse(process.argv.at(-1));
const median = (samples) => { const v = [...samples].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b); return v.length ? v[Math.ceil(v.length / 2) - 1] / 1e6 : null; };
const mean = (samples) => { const v = [...samples].filter((x) => !Number.isNaN(x)); return v.length ? v.reduce((a, b) => a + b, 0) / v.length / 1e6 : null; };
const out = {};
for (const kind of ['icmp', 'tcp']) {
  const prober = await openTargetProber(kind);
  const addressing = kind === 'tcp' ? { address: target, port } : { address: target };
  const ladder = [];
  for (const rate of rates) {
    const count = Math.min(ladderCount, rate);
    const started = process.hrtime.bigint();
    const result = await prober.runRound([addressing], { count, intervalMs: 1000 / rate, timeoutMs: 200 });
    const wallNs = Number(process.hrtime.bigint() - started);
    const stats = result.perTarget[0];
    ladder.push({ askedPerS: rate, sent: stats.sent, received: stats.received, lossPct: stats.lossPct,
      sendPerS: Math.round(((stats.sent - 1) / result.sendSpanNs) * 1e9), wallPerS: Math.round(stats.sent / (wallNs / 1e9)) });
    if (stats.lossPct >= 5) break;
  }
  const rtt = await prober.runRound([addressing], { count: rttCount, intervalMs: 1, timeoutMs: 200 });
  out[kind] = { ladder, rtt: { received: rtt.perTarget[0].received, medianMs: median(rtt.samplesNs[0]), avgMs: mean(rtt.samplesNs[0]) } };
  await prober.close();
}
console.log(JSON.stringify(out));
`;

function best(steps: Step[], key: 'sendPerS' | 'wallPerS'): number {
  return Math.max(0, ...steps.filter((step) => step.lossPct < 1).map((step) => step[key]));
}

function medianOf(values: number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.ceil(sorted.length / 2) - 1]! : null;
}

export const benchmark: Benchmark = {
  name: 'target-kinds',
  async run(log) {
    const fping = ['/usr/bin/fping', '/usr/sbin/fping'].find((path) => existsSync(path));
    const nping = ['/usr/bin/nping', '/usr/sbin/nping'].find((path) => existsSync(path));
    const loadStart = loadavg()[0]!;
    const net = createBenchNet();
    let listener: ChildProcess | undefined;
    try {
      listener = spawn(
        'ip',
        ['netns', 'exec', net.responder, process.execPath, '-e', `require('net').createServer((s) => s.destroy()).listen(${TCP_PORT}, '${RESPONDER_ADDRESS}', () => console.log('up'))`],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((resolve, reject) => {
        listener!.stdout!.once('data', () => resolve());
        listener!.once('exit', (code) => reject(new Error(`bench.targetKinds: the TCP listener exited with ${code}`)));
      });

      const inProber = (command: string, args: string[], timeoutMs = 300_000) =>
        spawnSync('ip', ['netns', 'exec', net.prober, command, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });

      // pathmon
      const run = inProber(process.execPath, ['--input-type=module', '-e', child, JSON.stringify([RESPONDER_ADDRESS, TCP_PORT, RATES, LADDER_COUNT, RTT_COUNT])]);
      if (run.status !== 0) throw new Error(`bench.targetKinds: the pathmon child failed: ${run.stderr}`);
      const pathmon = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<'icmp' | 'tcp', { ladder: Step[]; rtt: { received: number; medianMs: number | null; avgMs: number | null } }>;
      for (const kind of ['icmp', 'tcp'] as const) {
        for (const step of pathmon[kind].ladder) {
          log(`pathmon ${kind} asked ${step.askedPerS}/s: sent ${step.sent}, matched ${step.received} (${step.lossPct} % loss), send rate ${step.sendPerS}/s, over the run ${step.wallPerS}/s`);
        }
        log(
          `pathmon ${kind}: best at < 1 % loss ${best(pathmon[kind].ladder, 'sendPerS')}/s sent (${best(pathmon[kind].ladder, 'wallPerS')}/s over the run); RTT at 1000/s median ${pathmon[kind].rtt.medianMs} ms, avg ${pathmon[kind].rtt.avgMs} ms`,
        );
      }

      // fping: rate ladder and RTT median
      const fpingSteps: (Step & { periodMs: number })[] = [];
      let fpingMedianMs: number | null = null;
      if (fping) {
        for (const periodMs of FPING_PERIODS_MS) {
          const started = process.hrtime.bigint();
          const result = inProber(fping, ['-c', String(LADDER_COUNT), '-p', String(periodMs), '-i', '0', '-q', RESPONDER_ADDRESS]);
          const wallS = Number(process.hrtime.bigint() - started) / 1e9;
          const match = /xmt\/rcv\/%loss = (\d+)\/(\d+)\/(\d+)%/.exec(result.stderr);
          if (!match) break;
          const sent = Number(match[1]);
          const received = Number(match[2]);
          const step = { periodMs, askedPerS: Math.round(1000 / periodMs), sent, received, lossPct: ((sent - received) / sent) * 100, sendPerS: NaN, wallPerS: Math.round(sent / wallS) };
          fpingSteps.push(step);
          log(`fping -p ${periodMs}: sent ${sent}, received ${received} (${step.lossPct.toFixed(2)} % loss), over the run ${step.wallPerS}/s`);
          if (step.lossPct >= 5) break;
        }
        const rtt = inProber(fping, ['-C', String(RTT_COUNT), '-p', '1', '-i', '0', '-q', RESPONDER_ADDRESS]);
        const values = (rtt.stderr.split(':').at(-1) ?? '')
          .trim()
          .split(/\s+/)
          .filter((v) => v !== '-')
          .map(Number)
          .filter(Number.isFinite);
        fpingMedianMs = medianOf(values);
        log(`fping RTT at 1000/s: ${values.length} replies, median ${fpingMedianMs} ms`);
      } else {
        log('fping not installed (apt package fping): no ICMP peer');
      }

      // nping: average RTTs (ICMP and TCP SYN)
      const npingAvg: { icmp: number | null; tcp: number | null } = { icmp: null, tcp: null };
      if (nping) {
        for (const kind of ['icmp', 'tcp'] as const) {
          const args = kind === 'icmp' ? ['--icmp'] : ['--tcp', '-p', String(TCP_PORT)];
          const result = inProber(nping, [...args, '-c', String(RTT_COUNT), '--delay', '1ms', '-q', RESPONDER_ADDRESS]);
          const match = /Avg rtt: ([\d.]+)ms/.exec(result.stdout);
          npingAvg[kind] = match ? Number(match[1]) : null;
          log(`nping ${kind} at 1000/s: avg RTT ${npingAvg[kind]} ms`);
        }
      } else {
        log('nping not installed (apt package nmap): no TCP peer');
      }

      const icmpRate = best(pathmon.icmp.ladder, 'wallPerS');
      const fpingRate = best(fpingSteps, 'wallPerS');
      const medianDiffUs = fpingMedianMs !== null && pathmon.icmp.rtt.medianMs !== null ? Math.round((pathmon.icmp.rtt.medianMs - fpingMedianMs) * 1000 * 10) / 10 : null;
      const goals = {
        atLeastFpingRate: fping ? icmpRate >= fpingRate : null,
        medianWithin20UsOfFping: medianDiffUs === null ? null : Math.abs(medianDiffUs) <= 20,
      };
      log(`icmp rate over the run: pathmon ${icmpRate}/s vs fping ${fpingRate}/s (${fpingRate ? (icmpRate / fpingRate).toFixed(2) : '-'}×); goal met: ${goals.atLeastFpingRate}`);
      log(`icmp median RTT: pathmon ${pathmon.icmp.rtt.medianMs} ms vs fping ${fpingMedianMs} ms: difference ${medianDiffUs} us; goal met: ${goals.medianWithin20UsOfFping}`);
      log(`avg RTT vs nping: icmp pathmon ${pathmon.icmp.rtt.avgMs} ms / nping ${npingAvg.icmp} ms; tcp pathmon ${pathmon.tcp.rtt.avgMs} ms / nping ${npingAvg.tcp} ms`);
      const loadEnd = loadavg()[0]!;
      log(`load average ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end (2 shared cores)`);
      return {
        pathmon,
        fping: fping ? { ladder: fpingSteps, bestPerS: fpingRate, rttMedianMs: fpingMedianMs } : null,
        nping: nping ? { avgRttMs: npingAvg } : null,
        comparison: { icmpPerS: icmpRate, fpingPerS: fpingRate, tcpPerS: best(pathmon.tcp.ladder, 'wallPerS'), icmpMedianDiffUs: medianDiffUs },
        goals,
        loadAverage: { start: loadStart, end: loadEnd },
      };
    } finally {
      listener?.kill('SIGKILL');
      net.destroy();
    }
  },
};
