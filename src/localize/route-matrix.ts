/**
 * The routing matrix of one round, compiled once and shared by every estimator step: rows are the
 * usable routes, columns are subjects (a directed link, or a link group whose members share one
 * unknown), and each entry is the multiplicity m(w, s), how often route w crosses subject s.
 *
 * It is stored both row-wise (CSR, to walk a route's subjects) and column-wise (CSC, to walk a
 * subject's routes) in typed arrays, because a round may hold 100,000 walks over 32,768 directed links
 * and the estimator must finish in well under 100 ms: no per-entry objects, no Maps past compilation.
 *
 * A group's multiplicity on a route is the largest of its members' (a walk through the prober's access
 * link crosses the group once, out and back), so a group's estimate reads as "what crossing this
 * group costs", the figure an engineer compares with a single link's.
 */
import type { EstimateSubject, RouteObservation } from './localize-types.js';

export interface RouteMatrix {
  /** Subject per column, in order of first appearance (deterministic for a given input order). */
  subjects: EstimateSubject[];
  /** Usable observations, one per row. */
  rows: RouteObservation[];
  /** CSR: row r's entries are rowStart[r] .. rowStart[r + 1] - 1 of rowCol / rowMult. */
  rowStart: Int32Array;
  rowCol: Int32Array;
  rowMult: Float64Array;
  /** CSC: column c's entries are colStart[c] .. colStart[c + 1] - 1 of colRow / colMult. */
  colStart: Int32Array;
  colRow: Int32Array;
  colMult: Float64Array;
  /** Total crossings per row (Σ m over its subjects): what background loss scales with. */
  rowHops: Float64Array;
  skipped: { id: string; reason: string }[];
}

/**
 * Directed link keys to small integers, remembered across rounds. Looking 1.6 million link keys up in a
 * Map costs a quarter of a second; a round's routes are the plan's, whose link arrays do not change
 * from round to round, so each array is translated once and found again by identity (a WeakMap, so a
 * dropped plan's arrays are collected). The arrays must not be mutated once passed in.
 */
export class RouteIndex {
  private readonly linkOfKey = new Map<string, number>();
  readonly keys: string[] = [];
  private readonly translated = new WeakMap<readonly string[], Int32Array>();
  /**
   * The last matrix compiled, with the link arrays and groups it was compiled from: the routing matrix
   * only changes when the plan does, so a round over the same arrays (by identity, in the same order)
   * reuses it and compiling costs one pass over the rows.
   */
  last: { linkArrays: (readonly string[])[]; groups: GroupSpec[]; matrix: RouteMatrix } | null = null;

  linksOf(links: readonly string[]): Int32Array {
    let ids = this.translated.get(links);
    if (ids === undefined) {
      ids = new Int32Array(links.length);
      for (let i = 0; i < links.length; i++) {
        const key = links[i]!;
        let id = this.linkOfKey.get(key);
        if (id === undefined) {
          id = this.keys.length;
          this.linkOfKey.set(key, id);
          this.keys.push(key);
        }
        ids[i] = id;
      }
      this.translated.set(links, ids);
    }
    return ids;
  }
}

type GroupSpec = { id: string; linkKeys: readonly string[] };

export function compileRouteMatrix(observations: readonly RouteObservation[], groups: readonly GroupSpec[] = [], index: RouteIndex = new RouteIndex()): RouteMatrix {
  const usable: RouteObservation[] = [];
  const skippedRows: { id: string; reason: string }[] = [];
  for (const observation of observations) {
    const problem = unusable(observation);
    if (problem) skippedRows.push({ id: String(observation.id), reason: problem });
    else usable.push(observation);
  }
  const last = index.last;
  if (last && sameRoutes(last.linkArrays, usable) && sameGroups(last.groups, groups)) return { ...last.matrix, rows: usable, skipped: skippedRows };
  const matrix = compileFresh(usable, groups, index);
  matrix.skipped = skippedRows;
  index.last = { linkArrays: usable.map((o) => o.links), groups: groups.map((g) => ({ id: g.id, linkKeys: [...g.linkKeys] })), matrix };
  return matrix;
}

function sameRoutes(linkArrays: readonly (readonly string[])[], usable: readonly RouteObservation[]): boolean {
  if (linkArrays.length !== usable.length) return false;
  for (let i = 0; i < usable.length; i++) if (linkArrays[i] !== usable[i]!.links) return false;
  return true;
}

function sameGroups(a: readonly GroupSpec[], b: readonly GroupSpec[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((g, i) => g.id === b[i]!.id && g.linkKeys.length === b[i]!.linkKeys.length && g.linkKeys.every((key, j) => key === b[i]!.linkKeys[j]));
}

function compileFresh(observations: readonly RouteObservation[], groups: readonly GroupSpec[], index: RouteIndex): RouteMatrix {
  const groupOfKey = new Map<string, number>();
  groups.forEach((group, g) => {
    for (const key of group.linkKeys) groupOfKey.set(key, g);
  });
  const groupSubject = new Int32Array(groups.length).fill(-1);
  const subjects: EstimateSubject[] = [];
  /** Per link id: its subject in this round, -1 until first crossed. */
  let linkSubject: Int32Array = new Int32Array(Math.max(1024, index.keys.length)).fill(-1);

  const rows: RouteObservation[] = [];
  const skipped: { id: string; reason: string }[] = [];
  let crossings = 0;
  for (const observation of observations) crossings += Array.isArray(observation.links) ? observation.links.length : 0;
  // Sized once: a row never has more entries than crossings, so nothing grows inside the hot loop.
  const rowStartAll = new Int32Array(observations.length + 1);
  const rowColAll = new Int32Array(crossings);
  const rowMultAll = new Int32Array(crossings);
  let entries = 0;

  // Per-row scratch: crossings per link and per subject, stamped with the row so nothing is cleared.
  let linkStamp: Int32Array = new Int32Array(linkSubject.length).fill(-1);
  let linkCrossings: Int32Array = new Int32Array(linkSubject.length);
  let subjectStamp: Int32Array = new Int32Array(1024).fill(-1);
  let subjectMult: Int32Array = new Int32Array(1024);
  let rowLinks: Int32Array = new Int32Array(64);

  for (const observation of observations) {
    const row = rows.length;
    const ids = index.linksOf(observation.links);
    if (ids.length > rowLinks.length) rowLinks = new Int32Array(ids.length * 2);
    let distinct = 0;
    for (let i = 0; i < ids.length; i++) {
      const link = ids[i]!;
      if (link >= linkSubject.length) {
        while (link >= linkSubject.length) linkSubject = grow(linkSubject, -1);
        linkStamp = growTo(linkStamp, linkSubject.length, -1);
        linkCrossings = growTo(linkCrossings, linkSubject.length, 0);
      }
      if (linkSubject[link] === -1) {
        const key = index.keys[link]!;
        const group = groups.length === 0 ? undefined : groupOfKey.get(key);
        if (group === undefined) {
          linkSubject[link] = subjects.length;
          subjects.push({ kind: 'link', linkKey: key });
        } else {
          if (groupSubject[group] === -1) {
            groupSubject[group] = subjects.length;
            subjects.push({ kind: 'group', groupId: groups[group]!.id, linkKeys: [...groups[group]!.linkKeys] });
          }
          linkSubject[link] = groupSubject[group]!;
        }
        if (subjects.length > subjectStamp.length) {
          subjectStamp = grow(subjectStamp, -1);
          subjectMult = grow(subjectMult, 0);
        }
      }
      if (linkStamp[link] !== row) {
        linkStamp[link] = row;
        linkCrossings[link] = 1;
        rowLinks[distinct++] = link;
      } else {
        linkCrossings[link]!++;
      }
    }
    for (let i = 0; i < distinct; i++) {
      const link = rowLinks[i]!;
      const subject = linkSubject[link]!;
      const m = linkCrossings[link]!;
      if (subjectStamp[subject] !== row) {
        subjectStamp[subject] = row;
        subjectMult[subject] = entries;
        rowColAll[entries] = subject;
        rowMultAll[entries++] = m;
      } else if (m > rowMultAll[subjectMult[subject]!]!) {
        // A group member crossed more often than the others: the group's multiplicity is the largest.
        rowMultAll[subjectMult[subject]!] = m;
      }
    }
    rowStartAll[row + 1] = entries;
    rows.push(observation);
  }

  const rowCount = rows.length;
  const columns = subjects.length;
  const nonZero = entries;
  const starts = rowStartAll.slice(0, rowCount + 1);
  const cols = rowColAll.slice(0, nonZero);
  const rowMult = new Float64Array(nonZero);
  const rowHops = new Float64Array(rowCount);
  for (let r = 0; r < rowCount; r++) {
    let hops = 0;
    for (let e = starts[r]!; e < starts[r + 1]!; e++) {
      rowMult[e] = rowMultAll[e]!;
      hops += rowMult[e]!;
    }
    rowHops[r] = hops;
  }

  // CSC by counting sort: columns' entries come out in row order, which keeps results deterministic.
  const colStart = new Int32Array(columns + 1);
  for (let e = 0; e < nonZero; e++) colStart[cols[e]! + 1]!++;
  for (let c = 0; c < columns; c++) colStart[c + 1]! += colStart[c]!;
  const fill = colStart.slice(0, columns);
  const colRow = new Int32Array(nonZero);
  const colMult = new Float64Array(nonZero);
  for (let r = 0; r < rowCount; r++) {
    for (let e = starts[r]!; e < starts[r + 1]!; e++) {
      const at = fill[cols[e]!]!++;
      colRow[at] = r;
      colMult[at] = rowMult[e]!;
    }
  }
  return {
    subjects,
    rows,
    rowStart: starts,
    rowCol: cols,
    rowMult,
    colStart,
    colRow,
    colMult,
    rowHops,
    skipped,
  };
}

function unusable(observation: RouteObservation): string | null {
  const { sent, received, links } = observation;
  if (!Array.isArray(links) || links.length === 0) return 'crosses no links';
  if (!Number.isFinite(sent) || sent <= 0) return `nothing sent (sent ${sent})`;
  if (!Number.isFinite(received) || received < 0 || received > sent) return `received ${received} is not within 0..sent (${sent})`;
  return null;
}

function grow(array: Int32Array, fillValue: number): Int32Array {
  const grown = new Int32Array(array.length * 2).fill(fillValue);
  grown.set(array);
  return grown;
}

function growTo(array: Int32Array, length: number, fillValue: number): Int32Array {
  const grown = new Int32Array(length).fill(fillValue);
  grown.set(array);
  return grown;
}
