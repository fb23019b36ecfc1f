/**
 * The `command` action: argv run directly (no shell, so nothing a device wrote into a log line is ever
 * interpreted), in its own process group, with the trigger's fields as PATHMON_EVENT_* and only PATH
 * from pathmon's own environment (pathmon's secrets stay out). At the timeout the whole group is
 * killed, so a script's children die with it; the run is then TIMEOUT. A non-zero exit or a death by
 * signal is FAILURE. stdout and stderr are kept together, bounded.
 */
import { spawn } from 'node:child_process';
import { BoundedOutput, type Execution } from './execution.js';

export interface CommandRun {
  argv: string[];
  timeoutMs: number;
  env: Record<string, string>;
}

/** After the group is killed, how long the pipes may stay open (a grandchild that left the group). */
const PIPE_GRACE_MS = 1000;

export function runCommandAction(command: CommandRun, maxOutputBytes: number): Promise<Execution> {
  return new Promise<Execution>((resolve) => {
    const output = new BoundedOutput(maxOutputBytes);
    const env = { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...command.env };
    let child;
    try {
      child = spawn(command.argv[0]!, command.argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    } catch (error) {
      resolve({ state: 'FAILURE', output: '', error: `command ${JSON.stringify(command.argv[0])} could not be started: ${(error as Error).message}` });
      return;
    }
    let timedOut = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
    };
    const finish = (execution: Execution) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      resolve(execution);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, command.timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => output.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => output.write(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish({ state: 'FAILURE', output: output.text(), error: `command ${JSON.stringify(command.argv[0])} could not be started: ${error.code ?? error.message}` });
    });
    const outcome = (code: number | null, signal: NodeJS.Signals | null): Execution => {
      if (timedOut) return { state: 'TIMEOUT', exitCode: code, output: output.text(), error: `killed after the ${command.timeoutMs} ms timeout` };
      if (code === 0) return { state: 'SUCCESS', exitCode: 0, output: output.text(), error: null };
      if (code !== null) return { state: 'FAILURE', exitCode: code, output: output.text(), error: `exited with status ${code}` };
      return { state: 'FAILURE', exitCode: null, output: output.text(), error: `killed by ${signal ?? 'a signal'}` };
    };
    child.on('exit', (code, signal) => {
      // Children left behind may hold the pipes: they are the command's, so they go with it.
      killGroup();
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(outcome(code, signal));
      }, PIPE_GRACE_MS);
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => finish(outcome(code, signal)));
  });
}
