/**
 * `lab exec NODE -- COMMAND`: runs a command inside a lab node's namespace, with the terminal attached,
 * and returns its exit code. A command named `pathmon` runs this very pathmon (same Node, same build),
 * so the README's examples work before anything is installed globally.
 *
 * SIGTERM and SIGHUP sent to `lab exec` are passed on to the command, so `pathmon lab exec dev1 --
 * pathmon run ...` stops as gracefully as the monitor itself does, and its exit code comes back (a
 * command killed by a signal gives 128 + the signal's number, as a shell reports it). SIGINT is passed
 * on too, except when stdin is a terminal: then Ctrl-C has reached the command already (the whole
 * foreground process group gets it), and a second one would make `pathmon run` quit without flushing.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { labDir, readPlan } from './lab-state.js';

const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export async function labExec(lab: string, node: string, command: string[], pathmonCli: string): Promise<number> {
  const plan = readPlan(labDir(lab));
  const target = plan.nodes.find((candidate) => candidate.name === node);
  if (!target) throw new Error(`lab.labExec: no node "${node}" in lab ${lab}; expected one of: ${plan.nodes.map((n) => n.name).join(', ')}`);
  if (command.length === 0) throw new Error('lab.labExec: no command given; expected `pathmon lab exec NODE -- COMMAND [ARGS...]`');
  const argv = command[0] === 'pathmon' ? [process.execPath, pathmonCli, ...command.slice(1)] : command;
  // `ip netns exec` execs the command in place: a signal to this child is a signal to the command.
  const child = spawn('ip', ['netns', 'exec', target.namespace, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, PATHMON_LAB: lab },
  });
  return exitCodeOf(child);
}

/**
 * Forwards SIGTERM/SIGINT/SIGHUP to `child` while it runs (SIGINT not when stdin is a terminal) and
 * resolves with its exit code: its own, or 128 + the signal number when a signal ended it.
 */
export function exitCodeOf(child: import('node:child_process').ChildProcess): Promise<number> {
  const forward = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGINT' && process.stdin.isTTY) return;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    const done = (): void => {
      for (const signal of FORWARDED) process.off(signal, forward);
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}
