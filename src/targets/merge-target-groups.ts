/**
 * The target groups of a run: the config's `targets:` and those of each `--targets FILE`, in that order.
 * A name may repeat only with a different kind (the telemetry seed kept ping and TCP targets in
 * separate files under the same environment names, and each target's id includes its kind); the same
 * name and kind twice, or a name that is also a path group's, is refused naming both places.
 */
import { ConfigError } from '../config/config-error.js';
import type { TargetGroupConfig } from '../config/target-groups-schema.js';

export interface TargetGroupSource {
  /** `the config` or the file's path, for messages. */
  from: string;
  groups: readonly TargetGroupConfig[];
}

/** @throws ConfigError on a clash */
export function mergeTargetGroups(sources: readonly TargetGroupSource[], pathGroupNames: readonly string[] = []): TargetGroupConfig[] {
  const seen = new Map<string, string>();
  const pathGroups = new Set(pathGroupNames);
  const merged: TargetGroupConfig[] = [];
  for (const source of sources) {
    for (const group of source.groups) {
      if (pathGroups.has(group.name)) {
        throw new ConfigError(
          `targets.mergeTargetGroups: target group ${group.name} (${group.kind}, ${source.from}) has the name of a path group in the config; expected target group names distinct from path group names`,
          group.name,
          source.from,
        );
      }
      const key = `${group.name}\n${group.kind}`;
      const first = seen.get(key);
      if (first !== undefined) {
        throw new ConfigError(
          `targets.mergeTargetGroups: ${group.kind} target group ${group.name} is in ${first} and in ${source.from}; expected each group once (rename one, or merge their targets)`,
          group.name,
          source.from,
        );
      }
      seen.set(key, source.from);
      merged.push(group);
    }
  }
  return merged;
}
