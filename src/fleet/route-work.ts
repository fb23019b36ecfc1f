/**
 * The fleet work items of one agent's plan: every planned path and cover walk starts at the node the
 * agent stands on (GRE, only it can run them); a route of a `targets:` group is a target any agent
 * serving that group can run, with the group's probe kind.
 */
import type { ProbeKind } from './agent-identity.js';
import type { WorkItem } from './work-assignment.js';

export interface PlannedRoutes {
  /** Planned paths and target routes: their id and group. */
  paths: readonly { id: string; group: string }[];
  walks: readonly { id: string }[];
}

export function routeWorkItems(routes: PlannedRoutes, node: string, targetGroups: readonly { name: string; kind: ProbeKind }[]): WorkItem[] {
  const kindOfGroup = new Map(targetGroups.map((group) => [group.name, group.kind]));
  const items: WorkItem[] = [];
  for (const path of routes.paths) {
    const kind = kindOfGroup.get(path.group);
    items.push(
      kind === undefined
        ? { routeId: path.id, kind: 'path', sourceNode: node, targetGroup: null, probeKind: 'gre' }
        : { routeId: path.id, kind: 'target', sourceNode: null, targetGroup: path.group, probeKind: kind },
    );
  }
  for (const walk of routes.walks) items.push({ routeId: walk.id, kind: 'walk', sourceNode: node, targetGroup: null, probeKind: 'gre' });
  return items;
}
