/**
 * A deterministic layered layout for the topology map: breadth-first layers from the probers (the
 * paths' first nodes) or, failing that, the first host or node by name; inside a layer, nodes ordered by
 * the mean position of their neighbours in the previous layer (one barycentre pass), ties by name. The
 * same graph always draws the same way, so an engineer's eye finds a router where it was yesterday, and
 * a fabric drawn from prober to endpoint reads left to right the way the paths run.
 */

export interface LayoutNode {
  id: string;
  name: string;
}

export interface Placed {
  /** Layer index (0 = the probers). */
  x: number;
  /** Position inside the layer, centred on 0. */
  y: number;
}

export function layeredLayout(nodes: LayoutNode[], edges: { from: string; to: string }[], roots: string[]): Map<string, Placed> {
  const nameOf = new Map(nodes.map((node) => [node.id, node.name]));
  const byName = (a: string, b: string) => compare(nameOf.get(a) ?? a, nameOf.get(b) ?? b) || compare(a, b);
  const neighbours = new Map<string, Set<string>>(nodes.map((node) => [node.id, new Set()]));
  for (const { from, to } of edges) {
    if (from === to || !neighbours.has(from) || !neighbours.has(to)) continue;
    neighbours.get(from)!.add(to);
    neighbours.get(to)!.add(from);
  }

  const layerOf = new Map<string, number>();
  const layers: string[][] = [];
  const remaining = [...neighbours.keys()].sort(byName);
  const startRoots = roots.filter((id) => neighbours.has(id));
  let frontier = [...new Set(startRoots)].sort(byName);
  let base = 0;
  while (layerOf.size < neighbours.size) {
    if (frontier.length === 0) {
      // A new component (or no roots given): start it from its first node by name, after the last layer.
      const next = remaining.find((id) => !layerOf.has(id))!;
      frontier = [next];
      base = layers.length;
    }
    for (const id of frontier) layerOf.set(id, base);
    let depth = base;
    let current = frontier;
    while (current.length > 0) {
      layers[depth] = [...(layers[depth] ?? []), ...current];
      const next = new Set<string>();
      for (const id of current) for (const other of neighbours.get(id)!) if (!layerOf.has(other)) next.add(other);
      depth++;
      for (const id of next) layerOf.set(id, depth);
      current = [...next].sort(byName);
    }
    frontier = [];
  }

  const placed = new Map<string, Placed>();
  layers.forEach((layer, x) => {
    const previous = layers[x - 1];
    const ordered = previous ? [...layer].sort((a, b) => barycentre(a, placed, neighbours) - barycentre(b, placed, neighbours) || byName(a, b)) : [...layer].sort(byName);
    ordered.forEach((id, index) => placed.set(id, { x, y: index - (ordered.length - 1) / 2 }));
  });
  return placed;
}

function barycentre(id: string, placed: Map<string, Placed>, neighbours: Map<string, Set<string>>): number {
  let sum = 0;
  let count = 0;
  for (const other of neighbours.get(id)!) {
    const position = placed.get(other);
    if (position) {
      sum += position.y;
      count++;
    }
  }
  return count === 0 ? Number.MAX_SAFE_INTEGER : sum / count;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
