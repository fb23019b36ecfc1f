/**
 * Boolean tomography for total loss: every subject on a route that returned anything is up, so the
 * subjects that are down are among those crossed only by silent routes; the estimate is the smallest
 * set of them that touches every silent route it can (greedy set cover: the classic ln n approximation,
 * exact whenever faults do not overlap, which is what a 1-identifiable plan makes likely).
 *
 * Ties go to the subject crossed by more silent routes in all, then by fewer live ones, then to the
 * earlier one, so the answer never depends on anything but the input.
 */
import type { RouteMatrix } from './route-matrix.js';

export interface DownLinks {
  /** Per subject: 1 when blamed for total loss. */
  down: Uint8Array;
  /** Per row: 1 when the row is silent and crosses a down subject (explained; out of the other fits). */
  explained: Uint8Array;
  /** Down subjects in the order chosen. */
  order: number[];
}

export function downLinks(matrix: RouteMatrix): DownLinks {
  const { rows, rowStart, rowCol, colStart, colRow } = matrix;
  const subjects = matrix.subjects.length;
  const live = new Uint8Array(subjects);
  const liveRoutes = new Int32Array(subjects);
  const silentRoutes = new Int32Array(subjects);
  const silent = new Uint8Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const isSilent = rows[r]!.received === 0;
    silent[r] = isSilent ? 1 : 0;
    for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) {
      const s = rowCol[e]!;
      if (isSilent) silentRoutes[s]!++;
      else {
        live[s] = 1;
        liveRoutes[s]!++;
      }
    }
  }
  const down = new Uint8Array(subjects);
  const explained = new Uint8Array(rows.length);
  const order: number[] = [];
  const uncovered = new Int32Array(subjects);
  const candidates: number[] = [];
  for (let s = 0; s < subjects; s++) {
    if (silentRoutes[s]! > 0 && !live[s]) {
      uncovered[s] = silentRoutes[s]!;
      candidates.push(s);
    }
  }
  while (candidates.length > 0) {
    let best = -1;
    for (const s of candidates) {
      if (down[s] || uncovered[s] === 0) continue;
      if (
        best < 0 ||
        uncovered[s]! > uncovered[best]! ||
        (uncovered[s] === uncovered[best] && (silentRoutes[s]! > silentRoutes[best]! || (silentRoutes[s] === silentRoutes[best] && liveRoutes[s]! < liveRoutes[best]!)))
      ) {
        best = s;
      }
    }
    if (best < 0) break;
    down[best] = 1;
    order.push(best);
    for (let e = colStart[best]!; e < colStart[best + 1]!; e++) {
      const r = colRow[e]!;
      if (explained[r]) continue;
      explained[r] = 1;
      for (let f = rowStart[r]!; f < rowStart[r + 1]!; f++) uncovered[rowCol[f]!]!--;
    }
  }
  return { down, explained, order };
}
