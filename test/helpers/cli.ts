/** Runs the built `pathmon` command as an engineer would, capturing its output and exit status. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { repoRoot } from './repo-root.js';

export const cliPath = join(repoRoot, 'dist', 'src', 'cli.js');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { timeoutMs?: number } = {}): CliRun {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A lab name no other run can have: the per-run prefix of every namespace a test makes. */
export function uniqueLabName(): string {
  return `pmt${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
}
