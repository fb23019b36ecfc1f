/**
 * Debian's `prometheus` package for tests: `promtool` (checks exposition text, rule files and PromQL)
 * and the server itself. Where it is not installed the tests that need it skip, except in CI
 * (CI=true), where a missing tool must fail the run rather than pass it unseen.
 */
import { spawnSync } from 'node:child_process';

function installed(command: string): boolean {
  const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
  return !probe.error;
}

export const havePromtool = installed('promtool');
export const havePrometheus = installed('prometheus');

/** A `skip` option: the reason outside CI when `tool` is missing, never in CI. */
export function skipUnless(have: boolean, tool: string): string | false {
  return !have && process.env.CI !== 'true' && `${tool} is not installed (Debian package prometheus)`;
}

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs promtool; throws when it cannot be started at all (not installed), so a CI run fails. */
export function promtool(args: string[], input?: string): ToolResult {
  const run = spawnSync('promtool', args, { encoding: 'utf8', input, timeout: 60_000 });
  if (run.error) throw new Error(`promtool ${args.join(' ')}: ${run.error.message}; expected Debian's prometheus package installed`);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A dashboard query with Grafana's variables replaced as Grafana would for "All" over a few minutes. */
export function concreteQuery(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '5m').replaceAll('$group', '.*');
}
