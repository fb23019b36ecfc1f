/**
 * Starting the real ExaBGP and looking at it from outside: the environment it needs as pathmon's child
 * (no daemonizing, no privilege drop, no CLI pipes, logs on stdout so stderr carries only the JSON the
 * forwarder copies), and its CPU time from /proc, which is how a decoder stuck in a loop is told apart
 * from a quiet fabric.
 *
 * ExaBGP is started through `setpriv --pdeathsig KILL` when setpriv exists: the kernel then kills it
 * if pathmon dies, on top of the forwarder noticing the closed pipe. Either alone is enough.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** What the supervisor needs of a started ExaBGP; a ChildProcess is one, tests pass fakes. */
export interface LaunchedExabgp {
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  kill(signal: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
}

export type ExabgpLauncher = (configPath: string) => LaunchedExabgp;

export const EXABGP_ENV: Readonly<Record<string, string>> = {
  'exabgp.daemon.user': 'root',
  'exabgp.daemon.daemonize': 'false',
  'exabgp.daemon.drop': 'false',
  'exabgp.api.cli': 'false',
  'exabgp.log.destination': 'stdout',
  'exabgp.log.level': 'INFO',
};

const SETPRIV = '/usr/bin/setpriv';

export function realExabgpLauncher(options: { command?: string; pdeathsig?: boolean } = {}): ExabgpLauncher {
  const command = options.command ?? 'exabgp';
  const pdeathsig = (options.pdeathsig ?? true) && existsSync(SETPRIV);
  return (configPath: string): ChildProcess => {
    const [file, args] = pdeathsig ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, configPath]] : [command, [configPath]];
    return spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...EXABGP_ENV },
    });
  };
}

const CLOCK_TICKS_PER_S = 100;

/** CPU seconds (user + system) the process has used, or null when it is gone. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return (utime + stime) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}
