/**
 * The target groups `pathmon run` monitors: the config's `targets:`, then each `--targets FILE` in the
 * order given, merged (merge-target-groups.ts) and checked as the config's own are (a group probed every
 * round must fit its round into `probing.intervalMs`), before anything is opened.
 */
import { ConfigError } from '../config/config-error.js';
import type { MonitorConfig } from '../config/index.js';
import { targetGroupProblems } from '../config/target-group-problems.js';
import type { TargetGroupConfig } from '../config/target-groups-schema.js';
import { mergeTargetGroups } from './merge-target-groups.js';
import { loadTargetsFile } from './targets-file.js';

/** @throws ConfigError for an unreadable or malformed file, a clash, or a round that outlasts its interval */
export function targetGroupsForRun(config: Pick<MonitorConfig, 'targetGroups' | 'groups' | 'probing'>, files: readonly string[]): TargetGroupConfig[] {
  const sources = [{ from: 'the config', groups: config.targetGroups }, ...files.map((file) => ({ from: file, groups: loadTargetsFile(file) }))];
  const merged = mergeTargetGroups(
    sources,
    config.groups.map((group) => group.name),
  );
  for (const source of sources.slice(1)) {
    const problem = targetGroupProblems({ targets: source.groups, probing: config.probing })[0];
    if (problem !== undefined) {
      const where = `${source.from} ${source.groups[problem.path[1] as number]?.name ?? ''}`.trim();
      throw new ConfigError(`targets.targetGroupsForRun: ${where}: ${problem.text}`, problem.path.join('.'), source.from);
    }
  }
  return merged;
}
