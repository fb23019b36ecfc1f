/**
 * `lab up --bgp-ls --syslog ADDR:PORT`: each router's ospfd log goes to a syslog receiver through a real
 * syslog client, util-linux `logger`, as a device's own syslog would:
 *
 *   ospfd ─▶ ROUTER/ospfd.log ─tail -F─▶ logger --tcp --octet-count --rfc5424 (in ROUTER's namespace) ─▶ ADDR:PORT
 *
 * Choices that matter, and why:
 * - The pipeline runs inside the router's namespace, so the receiver sees the router's own address as
 *   the sender, and in a UTS namespace of its own whose hostname is the router's name, so the RFC 5424
 *   HOSTNAME field names the router (otherwise every router would carry the machine's hostname).
 * - TCP with octet counting (RFC 6587): a lost segment is retransmitted, a line never splits.
 * - logger is restarted in a loop: the lab comes up before the receiver (pathmon runs inside the lab), and
 *   logger gives up when it cannot connect. It exits before reading its input then, so the lines written
 *   meanwhile wait in the pipe from `tail` and are sent once the receiver listens.
 * - `tail -n0`: only what ospfd logs from now on; the start-up lines are not news.
 */
import { openSync } from 'node:fs';
import { spawn } from 'node:child_process';

/** Seconds between attempts while the receiver is not listening. */
export const LOGGER_RETRY_S = 1;

export interface SyslogTarget {
  host: string;
  port: number;
}

/** `ADDR:PORT` (IPv4 or a name) or `[IPV6]:PORT`, as given to `lab up --syslog`. */
export function parseSyslogTarget(text: string): SyslogTarget {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new Error(
      `lab.syslogForward: syslog target "${text}"; expected ADDR:PORT or [IPV6]:PORT with a port from 1 to 65535 (the prober host's address where pathmon's syslog tcp listener runs, e.g. 10.2.0.0:5514)`,
    );
  }
  return { host: match[1] ?? match[2]!, port };
}

/** The shell pipeline run in the router's namespace (arguments are checked names and numbers, quoted anyway). */
export function forwardScript(router: string, logFile: string, target: SyslogTarget): string {
  const logger = ['logger', '--server', target.host, '--port', String(target.port), '--tcp', '--octet-count', '--rfc5424', '-t', 'ospfd'].map(quote).join(' ');
  return `hostname ${quote(router)} && tail -n0 -F ${quote(logFile)} | while :; do ${logger}; sleep ${LOGGER_RETRY_S}; done`;
}

/** The argv that runs the pipeline inside `namespace` with its own hostname. */
export function forwardArgv(namespace: string, router: string, logFile: string, target: SyslogTarget): string[] {
  return ['ip', 'netns', 'exec', namespace, 'unshare', '--uts', 'sh', '-c', forwardScript(router, logFile, target)];
}

/**
 * Starts one router's forwarder in the background and returns its pid (the shell: `ip netns exec` and
 * `unshare` without --fork exec into it), which `lab down` stops with everything else in the namespace.
 */
export function startSyslogForward(namespace: string, router: string, logFile: string, target: SyslogTarget, outputPath: string): number {
  const output = openSync(outputPath, 'a');
  const [program, ...args] = forwardArgv(namespace, router, logFile, target);
  const child = spawn(program!, args, { detached: true, stdio: ['ignore', output, output] });
  child.unref();
  return child.pid!;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
