// Where the state-change labels go on the history chart. Changes close together in time would print
// their labels over each other ("UPDOWNDE"), so each label takes the first of a few lanes (rows above
// the plot) where it clears the labels already there; where no lane has room it is shortened (DOWN → D,
// DEGRADED → DEG), and where even that does not fit it is left out: the coloured line still marks the
// change, and the chart says how many labels it left out. Labels never overlap, whatever the data.

const SHORT = { UP: 'U', DOWN: 'D', DEGRADED: 'DEG', GONE: 'G' };

/**
 * marks: [{ x, text }] in px; measure(text) → width in px. Returns { placed: [{ mark, text, lane,
 * leftPx, rightPx }], omitted } with placed labels inside leftPx..rightPx and never closer than gapPx.
 */
export function layoutMarks(marks, measure, { leftPx, rightPx, lanes = 3, gapPx = 6 }) {
  const laneEnds = new Array(lanes).fill(-Infinity);
  const placed = [];
  let omitted = 0;
  for (const mark of [...marks].sort((a, b) => a.x - b.x)) {
    const spot = tryPlace(mark, mark.text) ?? tryPlace(mark, SHORT[mark.text] ?? mark.text.slice(0, 1));
    if (spot) placed.push(spot);
    else omitted++;
  }
  return { placed, omitted };

  function tryPlace(mark, text) {
    const width = measure(text);
    // Right of the line; at the right edge, left of it.
    let left = mark.x + 3;
    if (left + width > rightPx) left = mark.x - 3 - width;
    left = Math.max(leftPx, left);
    for (let lane = 0; lane < lanes; lane++) {
      if (left < laneEnds[lane] + gapPx) continue;
      laneEnds[lane] = left + width;
      return { mark, text, lane, leftPx: left, rightPx: left + width };
    }
    return null;
  }
}
