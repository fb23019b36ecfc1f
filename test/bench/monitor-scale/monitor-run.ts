/**
 * `pathmon run` at scale, measured from outside: the real CLI on a fat-tree file topology, in a network
 * namespace made for the run and deleted after it, with only loopback, which also holds the prober's
 * address (this kernel has no dummy interfaces). Nothing reaches a network outside the namespace.
 *
 * With `respond`, every 10.0.0.0/8 address is made local to the namespace and the bench's C GRE
 * responder (engine/gre-responder.c) runs in it: each probe loops back, the responder strips one GRE
 * layer and sends the rest on, hop after hop, until the innermost UDP reaches the prober. Every route
 * then answers, as in a healthy network (the responder's CPU is its own process, not counted). Without
 * it, probes are dropped by the namespace's kernel (not a local address, no forwarding), every probe
 * times out and every path goes DOWN after `hysteresisRounds`: a round of 30,000 transitions, each
 * stored and logged, which is a real cost but not the steady state.
 *
 * CPU and RSS come from /proc every 100 ms: utime + stime of the node process, and of its live children
 * (the probe-tx and probe-rx helpers) apart; RSS and its peak from /proc/PID/status. Rounds are told
 * apart by the monitor's schedule: they start every intervalMs once "monitor: ... planned" is logged, so
 * the samples at those times split the CPU and RSS by round, and what comes after the last window is
 * closing (flushing the writer, closing PGlite) and exit, reported apart. The interval must leave each
 * round room to finish: a round that overran would push work into the next window and the last into
 * the closing figure (`overran` says when the process was still busy at the end of the windows).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeHelperPath } from '../../../probes/index.js';
import { repoRoot } from '../../helpers/repo-root.js';

export interface MonitorRunOptions {
  config: string;
  proberAddress: string;
  rounds: number;
  intervalMs: number;
  /** Give up after this long (the child is killed). */
  timeoutMs: number;
  log: (line: string) => void;
  /** The pathmon CLI to run; default this checkout's dist/src/cli.js. */
  cli?: string;
  /** Extra node options for the monitor (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Answer every probe (see above). */
  respond?: boolean;
}

export interface MonitorSample {
  atMs: number;
  cpuMs: number;
  helpersCpuMs: number;
  rssMb: number;
}

export interface MonitorRunResult {
  exitCode: number | null;
  /** From spawn to the "planned" line: topology, planning, store start. */
  startupMs: number | null;
  startupCpuMs: number | null;
  plannedLine: string | null;
  /** CPU of the node process per round (by the schedule), and the helpers' apart. */
  roundCpuMs: number[];
  /** RSS at the end of each round's window. */
  roundRssMb: number[];
  meanRoundCpuMs: number | null;
  meanHelpersRoundCpuMs: number | null;
  /** After the last round's window: flushing, closing the store, exit. */
  closeCpuMs: number | null;
  /** CPU in the last 0.5 s of the last window above a quarter core: the rounds may not have fit their windows. */
  overran: boolean;
  rssAfterStartupMb: number | null;
  /** At the end of the last round's window, before closing. */
  rssAfterRoundsMb: number | null;
  peakRssMb: number;
  samples: MonitorSample[];
  /** The responder's "received forwarded malformed" counts, with `respond`. */
  responder: string | null;
  stderrTail: string[];
  /** The monitor's first warnings (a writer falling behind, a failing evaluator), and how many there were. */
  warnings: { count: number; first: string[] };
}

const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_S) * 1000;
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(name));
    } catch {
      // gone between readdir and read
    }
  }
  return found;
}

function statusKb(pid: number, field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });

export async function runMonitorInNamespace(options: MonitorRunOptions): Promise<MonitorRunResult> {
  const ns = `pm-bench-${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pm-bench-data-'));
  ip('netns', 'add', ns);
  try {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', options.proberAddress, 'dev', 'lo');
    if (!options.respond) return { ...(await measure(ns, dataDir, options)), responder: null };
    ip('-n', ns, 'route', 'add', 'local', '10.0.0.0/8', 'dev', 'lo');
    const responder = await startResponder(ns);
    try {
      return { ...(await measure(ns, dataDir, options)), responder: await responder.stop() };
    } finally {
      responder.kill();
    }
  } finally {
    try {
      ip('netns', 'del', ns);
    } catch (error) {
      options.log(`  could not delete namespace ${ns}: ${(error as Error).message}`);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function startResponder(ns: string): Promise<{ stop(): Promise<string>; kill(): void }> {
  const binary = nativeHelperPath('gre-responder', [join(repoRoot, 'test', 'bench', 'engine')]);
  const child = spawn('ip', ['netns', 'exec', ns, binary], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let waitedMs = 0; !out.includes('ready'); waitedMs += 20) {
    if (child.exitCode !== null || waitedMs > 5000) throw new Error(`bench.monitorRun: gre-responder did not start in ${ns} (${out.trim() || 'no output'})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return out.trim().split('\n').pop() ?? '';
    },
    kill: () => void (child.exitCode === null && child.kill('SIGKILL')),
  };
}

async function measure(ns: string, dataDir: string, options: MonitorRunOptions): Promise<Omit<MonitorRunResult, 'responder'>> {
  const cli = options.cli ?? join(repoRoot, 'dist', 'src', 'cli.js');
  const startedMs = Date.now();
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...(options.nodeArgs ?? []), cli, 'run', '--config', options.config, '--rounds', String(options.rounds), '--data-dir', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pid = child.pid!;
  const stderr: string[] = [];
  let plannedAtMs: number | null = null;
  let plannedLine: string | null = null;
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      stderr.push(line);
      if (plannedAtMs === null && /\bmonitor: .*planned/.test(line)) {
        plannedAtMs = Date.now() - startedMs;
        plannedLine = line;
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const samples: MonitorSample[] = [];
  let peakRssKb = 0;
  let done = false;
  void exited.then(() => (done = true));
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  let plannedSample: MonitorSample | null = null;
  while (!done) {
    const cpuMs = cpuMsOf(pid);
    if (cpuMs === null) break;
    // A helper's CPU once it has exited is not readable: keep the last total seen.
    let helpersCpuMs = 0;
    for (const helper of childrenOf(pid)) helpersCpuMs += cpuMsOf(helper) ?? 0;
    helpersCpuMs = Math.max(helpersCpuMs, samples.at(-1)?.helpersCpuMs ?? 0);
    const rssKb = statusKb(pid, 'VmRSS') ?? 0;
    // An exiting process has no RSS left to read: not a sample.
    if (rssKb === 0) break;
    peakRssKb = Math.max(peakRssKb, statusKb(pid, 'VmHWM') ?? 0);
    const sample = { atMs: Date.now() - startedMs, cpuMs, helpersCpuMs, rssMb: Math.round(rssKb / 102.4) / 10 };
    samples.push(sample);
    if (plannedAtMs !== null && plannedSample === null) plannedSample = sample;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const exitCode = await exited;
  clearTimeout(killer);
  // The last sample before the process ended is the end of closing (exit work is small).
  const last = samples.at(-1) ?? null;
  const roundCpuMs: number[] = [];
  const roundRssMb: number[] = [];
  let end: MonitorSample | null = null;
  if (plannedSample) {
    const at = (ms: number) => samples.find((s) => s.atMs >= ms) ?? last!;
    for (let round = 0; round < options.rounds; round++) {
      const from = at(plannedSample.atMs + round * options.intervalMs);
      const to = at(plannedSample.atMs + (round + 1) * options.intervalMs);
      roundCpuMs.push(Math.round(to.cpuMs - from.cpuMs));
      roundRssMb.push(to.rssMb);
      end = to;
    }
  }
  const endIndex = end ? samples.indexOf(end) : -1;
  const before = endIndex >= 5 ? samples[endIndex - 5]! : null;
  const overran = !!(end && before && (end.cpuMs - before.cpuMs) / (end.atMs - before.atMs) > 0.25);
  const rounds = options.rounds;
  return {
    exitCode,
    startupMs: plannedSample?.atMs ?? null,
    startupCpuMs: plannedSample ? Math.round(plannedSample.cpuMs) : null,
    plannedLine,
    roundCpuMs,
    roundRssMb,
    meanRoundCpuMs: plannedSample && end ? Math.round((end.cpuMs - plannedSample.cpuMs) / rounds) : null,
    meanHelpersRoundCpuMs: plannedSample && end ? Math.round((end.helpersCpuMs - plannedSample.helpersCpuMs) / rounds) : null,
    closeCpuMs: end && last ? Math.round(last.cpuMs - end.cpuMs) : null,
    overran,
    rssAfterStartupMb: plannedSample?.rssMb ?? null,
    rssAfterRoundsMb: end?.rssMb ?? null,
    peakRssMb: Math.round(peakRssKb / 102.4) / 10,
    samples,
    stderrTail: stderr.slice(-15),
    warnings: { count: stderr.filter((line) => / warn /.test(line)).length, first: stderr.filter((line) => / warn /.test(line)).slice(0, 5) },
  };
}
