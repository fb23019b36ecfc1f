// What stretch of time each history point stands for, so loss bars and the RTT smoke are exactly as
// wide as that time and drawn nowhere else. A point is one round, or a bucket of rounds, starting at
// its atMs; the history API does not say how wide its buckets were, so the step is read off the data:
// the median gap between neighbours (robust to the first bucket, which is cut at the range start). A
// point lasts until the next one when that comes within 1.5 steps (rounds are not perfectly regular);
// a longer gap is time with no data (the monitor was not running), which is left empty, and lines are
// broken across it instead of joining the two sides.

const GAP_STEPS = 1.5;

/** The median positive gap between consecutive points, or `fallbackMs` with fewer than two points. */
export function typicalStepMs(points, fallbackMs) {
  const gaps = [];
  for (let i = 1; i < points.length; i++) {
    const gap = points[i].atMs - points[i - 1].atMs;
    if (gap > 0) gaps.push(gap);
  }
  if (!gaps.length) return fallbackMs;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/**
 * One span per point: { startMs, endMs, gapAfter }. `dataUntilMs` is where the data ends (the query's
 * until, normally now): the last point does not reach past it.
 */
export function pointSpans(points, stepMs, dataUntilMs) {
  return points.map((point, i) => {
    const next = points[i + 1]?.atMs;
    const gapAfter = next === undefined || next - point.atMs > GAP_STEPS * stepMs;
    const endMs = gapAfter ? Math.min(point.atMs + stepMs, next ?? Infinity, Math.max(dataUntilMs, point.atMs)) : next;
    return { startMs: point.atMs, endMs, gapAfter };
  });
}

/** The stretches of since..until that no point covers, longer than one step (no data: not running). */
export function emptySpans(spans, stepMs, sinceMs, untilMs) {
  const out = [];
  let covered = sinceMs;
  for (const span of spans) {
    if (span.startMs - covered > stepMs) out.push({ startMs: covered, endMs: span.startMs });
    covered = Math.max(covered, span.endMs);
  }
  if (untilMs - covered > stepMs) out.push({ startMs: covered, endMs: untilMs });
  return out;
}
