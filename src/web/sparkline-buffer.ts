/**
 * The last rounds' median RTT per path, kept in memory for the table's sparklines. Fetching a history
 * per path for 10,000 rows on every table load would be 10,000 queries; a fixed ring per path is
 * O(1) per round and bounded (SPARK_POINTS numbers per path; rings of paths that left the view are
 * dropped). It is filled from round updates and, at start, from the store in the background.
 */
import type { HistoryPoint } from '../store/index.js';

export const SPARK_POINTS = 30;

interface Ring {
  values: Float64Array;
  lastAtMs: number;
  count: number;
  next: number;
}

export class SparklineBuffer {
  private readonly rings = new Map<string, Ring>();

  /** Records one round; a round already recorded (same atMs or older) is ignored. NaN means all lost. */
  add(pathId: string, atMs: number, rttP50Ms: number | null): void {
    let ring = this.rings.get(pathId);
    if (!ring) this.rings.set(pathId, (ring = { values: new Float64Array(SPARK_POINTS), lastAtMs: -Infinity, count: 0, next: 0 }));
    if (atMs <= ring.lastAtMs) return;
    ring.values[ring.next] = rttP50Ms ?? Number.NaN;
    ring.next = (ring.next + 1) % SPARK_POINTS;
    ring.count = Math.min(SPARK_POINTS, ring.count + 1);
    ring.lastAtMs = atMs;
  }

  /** Seeds a path that has no points yet from stored history (oldest first). */
  seed(pathId: string, points: HistoryPoint[]): void {
    if (this.has(pathId)) return;
    for (const point of points.slice(-SPARK_POINTS)) this.add(pathId, point.atMs, point.rttP50Ms);
  }

  has(pathId: string): boolean {
    return (this.rings.get(pathId)?.count ?? 0) > 0;
  }

  /** Oldest first; null where every probe of the round was lost. */
  points(pathId: string): (number | null)[] {
    const ring = this.rings.get(pathId);
    if (!ring) return [];
    const out: (number | null)[] = [];
    for (let i = 0; i < ring.count; i++) {
      const value = ring.values[(ring.next - ring.count + i + SPARK_POINTS) % SPARK_POINTS]!;
      out.push(Number.isNaN(value) ? null : Math.round(value * 1000) / 1000);
    }
    return out;
  }

  /** Drops rings of paths no longer in the view, so memory follows the plan. */
  retain(pathIds: Set<string>): void {
    for (const id of this.rings.keys()) if (!pathIds.has(id)) this.rings.delete(id);
  }
}
