/**
 * One `pathmon run` process of the soak, seen from outside: spawned as `ip netns exec NS node cli run`
 * (ip execs, so the child's pid is the monitor's own and signals reach it directly), its stderr kept in
 * a file and scanned for what the ledger needs (warnings, the "stopped after N round(s)" line), its RSS
 * read from /proc/PID/status, and its helpers (probe-rx, probe-tx) found by parent pid so that after a
 * kill -9 the bench can tell whether they outlived it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';

export interface HelperProcess {
  pid: number;
  /** /proc/PID/comm: probe-rx, probe-tx, ... */
  name: string;
}

export interface MonitorProcess {
  readonly pid: number;
  readonly startedAtMs: number;
  /** Resolves with the exit code, or the signal's name when killed by one. */
  readonly exited: Promise<number | string | null>;
  running(): boolean;
  rssMb(): number | null;
  peakRssMb(): number | null;
  helpers(): HelperProcess[];
  /** From "run: stopped after N round(s)", once logged. */
  stoppedAfterRounds(): number | null;
  warnings(): { count: number; first: string[] };
  tail(lines: number): string[];
  signal(name: NodeJS.Signals): void;
}

function statusKb(pid: number, field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export function processName(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

export function childrenOf(pid: number): HelperProcess[] {
  const found: HelperProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push({ pid: Number(entry), name: processName(Number(entry)) ?? '?' });
    } catch {
      // gone between readdir and read
    }
  }
  return found;
}

export function startMonitorProcess(options: { namespace: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string; logFile: string }): MonitorProcess {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', options.namespace, process.execPath, ...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`bench.startMonitorProcess: could not spawn pathmon run in ${options.namespace}`);
  const pid = child.pid;
  const file: WriteStream = createWriteStream(options.logFile);
  const last: string[] = [];
  const warnings: string[] = [];
  let warningCount = 0;
  let stoppedAfter: number | null = null;
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    file.write(chunk);
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      last.push(line);
      if (last.length > 200) last.shift();
      if (/ (warn|error) /.test(line)) {
        warningCount++;
        if (warnings.length < 8) warnings.push(line);
      }
      const stopped = /run: stopped after (\d+) round\(s\)/.exec(line);
      if (stopped) stoppedAfter = Number(stopped[1]);
    }
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      file.end();
      resolve(code ?? signal);
    }),
  );
  let running = true;
  void exited.then(() => (running = false));
  return {
    pid,
    startedAtMs: Date.now(),
    exited,
    running: () => running,
    rssMb: () => {
      const kb = statusKb(pid, 'VmRSS');
      return kb === null ? null : Math.round(kb / 102.4) / 10;
    },
    peakRssMb: () => {
      const kb = statusKb(pid, 'VmHWM');
      return kb === null ? null : Math.round(kb / 102.4) / 10;
    },
    helpers: () => childrenOf(pid),
    stoppedAfterRounds: () => stoppedAfter,
    warnings: () => ({ count: warningCount, first: [...warnings] }),
    tail: (lines) => last.slice(-lines),
    signal(name) {
      if (running) child.kill(name);
    },
  };
}
