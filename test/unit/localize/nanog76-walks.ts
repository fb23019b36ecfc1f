/**
 * Walks over the nanog76 lab topology for the command's tests: from a host, into its router, around
 * every simple cycle through that router (both directions), and back; plus one out-and-back walk per
 * directed link (along BFS-tree routes), so every router-to-router directed link has a signature of
 * its own. Made without the planner, so these tests do not depend on it.
 */
export const EDGES_NANOG76: [string, string][] = [
  ['R1', 'R2'],
  ['R1', 'R3'],
  ['R2', 'R4'],
  ['R2', 'R5'],
  ['R3', 'R5'],
  ['R3', 'R4'],
  ['R4', 'R6'],
  ['R5', 'R6'],
];

export function cycleWalks(edges: [string, string][], host: string, router: string): { id: string; links: string[] }[] {
  const neighbours = new Map<string, string[]>();
  for (const [a, b] of edges) {
    neighbours.set(a, [...(neighbours.get(a) ?? []), b]);
    neighbours.set(b, [...(neighbours.get(b) ?? []), a]);
  }
  const cycles: string[][] = [];
  const extend = (path: string[]): void => {
    for (const next of neighbours.get(path[path.length - 1]!) ?? []) {
      if (next === router && path.length >= 3) cycles.push([...path, router]);
      else if (!path.includes(next)) extend([...path, next]);
    }
  };
  extend([router]);
  const parent = new Map<string, string | null>([[router, null]]);
  const queue = [router];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of neighbours.get(node) ?? []) {
      if (parent.has(next)) continue;
      parent.set(next, node);
      queue.push(next);
    }
  }
  const pathTo = (node: string): string[] => (node === router ? [router] : [...pathTo(parent.get(node)!), node]);
  for (const [a, b] of edges) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const out = pathTo(from);
      cycles.push([...out, to, ...out.slice().reverse()]);
    }
  }
  return cycles.map((cycle, index) => {
    const nodes = [host, ...cycle, host];
    return { id: `w${index + 1}`, links: nodes.slice(1).map((node, i) => `${nodes[i]}>${node}`) };
  });
}
