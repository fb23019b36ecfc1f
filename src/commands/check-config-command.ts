/**
 * `pathmon check-config FILE`: validates a monitor config without opening a socket or a database, so it
 * can run in CI or before a deploy. When the topology is a file it is read too, and every group's
 * endpoints are planned, because a config that names a node the topology lacks is as broken as one
 * with a typo in a key. Every secret reference (`{ env: NAME }`, `{ file: PATH }`) is resolved too and
 * each one unset, empty or unreadable is named by its config key, because a config whose Freshdesk key
 * is missing fails at the first ticket, mid-outage; `--no-secrets` skips that where the secrets live
 * only on the production host. `--json` prints the resolved config with every secret redacted.
 */
import { remediationConfigProblems } from '../remediate/index.js';
import { loadConfigFile, redactUrl, type MonitorConfig } from '../config/index.js';
import { redactedConfig } from '../config/index.js';
import { CliError } from '../cli-error.js';
import { loadTopology } from '../load-topology.js';
import { planPaths } from '../plan-paths.js';
import { TopologyError } from '../../topology/index.js';
import { toSafeJson, unresolvedSecrets, type SecretSources, type UnresolvedSecret } from '../secrets/index.js';

export interface CheckConfigOptions {
  json?: boolean;
  /** False (`--no-secrets`): do not resolve secret references. Default true. */
  secrets?: boolean;
}

interface TargetCheck {
  group: string;
  to: string;
  paths: number | null;
  addressable: number | null;
  problem: string | null;
}

/** @param sources where secrets are read from (default: this process's environment and files). */
export function checkConfigCommand(file: string, options: CheckConfigOptions, out: NodeJS.WritableStream, sources: SecretSources = {}): number {
  const config = loadConfigFile(file);
  const checks = config.topology.startsWith('file:') ? checkTargets(config) : null;
  const failed = checks?.filter((check) => check.problem !== null) ?? [];
  const secrets: UnresolvedSecret[] | null = options.secrets === false ? null : unresolvedSecrets(config, sources);
  // Rules whose actions need a notifier the config lacks: `run` would refuse them at start.
  const remediation = config.remediation ? remediationConfigProblems(config.remediation, config.notifiers) : [];
  const valid = failed.length === 0 && (secrets ?? []).length === 0 && remediation.length === 0;
  if (options.json) {
    const secretProblems = secrets?.map((s) => ({ key: s.key, problem: s.problem })) ?? null;
    out.write(`${toSafeJson({ valid, config: redactedConfig(config), targets: checks, secrets: secretProblems, remediation }, 2)}\n`);
  } else {
    out.write(`${file}: ${valid ? 'valid' : 'INVALID'}\n`);
    out.write(summary(config, checks, secrets));
  }
  if (!valid) {
    const problems = [
      ...failed.map((check) => `groups ${check.group} endpoint ${check.to}: ${check.problem}`),
      ...(secrets ?? []).map((secret) => `${secret.key}: ${secret.problem}`),
      ...remediation.map((problem) => problem.message),
    ];
    if (!options.json) throw new CliError(`pathmon check-config: ${problems.join('; ')}${(secrets ?? []).length > 0 ? ' (set them, or pass --no-secrets to check the rest only)' : ''}`);
    return 1;
  }
  return 0;
}

function checkTargets(config: MonitorConfig): TargetCheck[] {
  const file = config.topology.slice('file:'.length);
  const { topology } = loadTopology(file);
  return config.targets.map((target): TargetCheck => {
    try {
      const { planned } = planPaths(topology, target.from, target.to, target.bounds, target.mode);
      return { group: target.group, to: target.to, paths: planned.length, addressable: planned.filter((p) => p.hops).length, problem: null };
    } catch (error) {
      if (error instanceof TopologyError) return { group: target.group, to: target.to, paths: null, addressable: null, problem: error.message };
      throw error;
    }
  });
}

function summary(config: MonitorConfig, checks: TargetCheck[] | null, secrets: UnresolvedSecret[] | null): string {
  const p = config.probing;
  const lines = [
    `  topology  ${config.topology}${checks === null ? ' (not contacted: checked when `pathmon run` starts)' : ''}`,
    `  prober    ${config.prober.node}, replies on ${config.prober.listenAddress}`,
    `  rounds    every ${p.intervalMs} ms: ${p.probesPerRound} probes per path, ${p.probeSpacingMs} ms apart, ${p.timeoutMs} ms timeout, ${p.mode} mode`,
    `  states    change after ${config.hysteresisRounds} rounds in a row; DEGRADED when p50 RTT > delayMs or loss > lossPct, DOWN at 100 % loss`,
    ...config.groups.map((group) => {
      const planned = checks
        ?.filter((check) => check.group === group.name)
        .map((check) => (check.problem ? `${check.to}: ${check.problem}` : `${check.to}: ${check.paths} paths (${check.addressable} addressable)`))
        .join(', ');
      return `  group     ${group.name}: delayMs ${group.thresholds.delayMs}, lossPct ${group.thresholds.lossPct}, maxHops ${group.bounds.maxHops}, maxPaths ${group.bounds.maxPaths}; ${planned ?? group.endpoints.join(', ')}`;
    }),
    `  storage   ${config.storage ? redactUrl(config.storage.url) : 'not set: --db, or PGlite in --data-dir (default ./pathmon-data)'}`,
    `  notifiers ${[config.notifiers.freshdesk ? 'freshdesk' : '', config.notifiers.email ? 'email' : ''].filter(Boolean).join(', ') || 'none'}`,
    `  retention ${config.retentionDays} days`,
    `  secrets   ${secrets === null ? 'not checked (--no-secrets)' : secrets.length === 0 ? 'every reference resolves' : secrets.map((s) => `${s.key}: ${s.problem}`).join('; ')}`,
  ];
  return `${lines.join('\n')}\n`;
}
