/**
 * Runs iproute2. Every kernel change the lab makes goes through here, in batches (`ip -batch -`) so a
 * lab of dozens of links builds in a handful of processes, and every failure names the command that
 * failed with iproute2's own words.
 */
import { execFileSync } from 'node:child_process';

export class LabCommandError extends Error {
  override name = 'LabCommandError';
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`lab: \`${command}\` failed: ${stderr.trim() || 'no message'}`);
  }
}

export function ip(args: string[], options: { namespace?: string; input?: string } = {}): string {
  const fullArgs = options.namespace ? ['-n', options.namespace, ...args] : args;
  try {
    return execFileSync('ip', fullArgs, { input: options.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new LabCommandError(`ip ${fullArgs.join(' ')}`, failed.stderr ?? failed.message);
  }
}

/** Runs many `ip` commands at once; `lines` are ip's arguments without the leading `ip`. */
export function ipBatch(lines: string[], namespace?: string): void {
  if (lines.length === 0) return;
  ip(['-batch', '-'], { namespace, input: `${lines.join('\n')}\n` });
}

/** Writes sysctls inside a namespace (each `key=value`). */
export function sysctlIn(namespace: string, settings: string[]): void {
  try {
    execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-q', '-w', ...settings], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stderr?: Buffer; message: string };
    throw new LabCommandError(`sysctl in ${namespace}`, failed.stderr?.toString() ?? failed.message);
  }
}

export function listNamespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0]!)
    .filter(Boolean);
}

export function namespacePids(namespace: string): number[] {
  try {
    return ip(['netns', 'pids', namespace]).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
