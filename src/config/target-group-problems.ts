/**
 * The rules tying `targets:` to the rest of the config, run by load-config.ts on input that passed the
 * schema: a target group's name must not also name a path group (reports, tickets and /metrics name
 * routes by group, so one name for two things would mix them), and a group probed every monitor round
 * must fit its round into `probing.intervalMs`, as paths must.
 */
import type { ConfigProblem } from './config-problems.js';
import type { TargetGroupConfig } from './target-groups-schema.js';

export interface TargetGroupContext {
  groups?: readonly { name: string }[] | undefined;
  targets?: readonly TargetGroupConfig[] | undefined;
  probing?: { intervalMs?: number | undefined; probesPerRound?: number | undefined; probeSpacingMs?: number | undefined; timeoutMs?: number | undefined } | undefined;
}

const DEFAULT_PROBING = { intervalMs: 10_000, probesPerRound: 10, probeSpacingMs: 100, timeoutMs: 1000 };

export function targetGroupProblems(raw: TargetGroupContext): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const pathGroups = new Map((raw.groups ?? []).map((group, index) => [group.name, index]));
  const probing = { ...DEFAULT_PROBING, ...definedOnly(raw.probing ?? {}) };
  (raw.targets ?? []).forEach((group, index) => {
    const clash = pathGroups.get(group.name);
    if (clash !== undefined) {
      problems.push({
        path: ['targets', index, 'name'],
        text: `targets[${index}].name (${group.name}) is also groups[${clash}].name; expected target group names distinct from path group names`,
      });
    }
    const intervalMs = group.intervalMs ?? probing.intervalMs;
    const count = group.probesPerRound ?? probing.probesPerRound;
    const spacingMs = group.probeSpacingMs ?? probing.probeSpacingMs;
    const timeoutMs = group.timeoutMs ?? probing.timeoutMs;
    const roundMs = (count - 1) * spacingMs + timeoutMs;
    if (roundMs > intervalMs) {
      const from = group.intervalMs === null ? 'probing.intervalMs' : `targets[${index}].intervalMs`;
      problems.push({
        path: ['targets', index, group.probesPerRound !== null ? 'probesPerRound' : 'timeoutMs'],
        text:
          `a round of target group ${group.name} takes (probesPerRound (${count}) - 1) × probeSpacingMs (${spacingMs}) + timeoutMs (${timeoutMs}) = ${roundMs} ms, ` +
          `which cannot exceed ${from} (${intervalMs}); expected fewer probes, a shorter spacing or timeout, or a longer interval`,
      });
    }
  });
  return problems;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
