// The path history chart: the RTT distribution as SmokePing-style smoke (min–p95, p95–p99 and p99–max
// bands, darker where most probes were) with the p50 and p95 lines over it, loss bars below, the
// thresholds, state changes as coloured lines with labels that never overlap, and tickets as flags.
//
// Drawn on one canvas by hand rather than with a charting library: the dashboard's static route serves
// only the files of src/web/static, so a library would have to be copied into the tree, and what this
// chart needs beyond lines (bands and bars sized by time, gaps left empty, label lanes) is the part
// such a library leaves to its caller anyway.
//
// Everything is placed by time: a point covers the time it stands for (chart-spans.js), so loss and
// smoke appear exactly where and as long as they happened, and a stretch without data stays empty.
import { ms, pct, stateColour, time } from './format.js';
import { layoutMarks } from './chart-marks.js';
import { emptySpans, pointSpans, typicalStepMs } from './chart-spans.js';
import { label, tickStepMs, ticks, timeZone } from './chart-time.js';

const LANES = 3;
const LANE_PX = 13;
const PAD = { left: 60, right: 16, top: 10 + LANES * LANE_PX, bottom: 30, gap: 24 };
/** The series colours, from app.css's custom properties (one place for the chart and its legend). */
function colours() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return {
    p50: v('--p50'),
    p95: v('--p95'),
    smokeP95: v('--smoke-p95'),
    smokeP99: v('--smoke-p99'),
    smokeMax: v('--smoke-max'),
    loss: v('--down'),
    threshold: v('--degraded'),
    empty: v('--no-data'),
    ticket: v('--ticket'),
  };
}

export class HistoryChart {
  /**
   * options.lanes: rows for state-change labels above the plot (default 3); options.fitToData: scale the
   * delay axis to the data alone, as SmokePing does, so the smoke of a path far below its threshold
   * still has height in a small chart (the threshold line is then drawn only when it is in range).
   */
  constructor(canvas, tip, onZoom, options = {}) {
    Object.assign(this, { canvas, tip, onZoom });
    this.lanes = options.lanes ?? LANES;
    this.fitToData = options.fitToData ?? false;
    this.pad = { ...PAD, top: 10 + this.lanes * LANE_PX };
    this.data = null;
    canvas.addEventListener('mousedown', (e) => (this.drag = { from: this.xOf(e), to: this.xOf(e) }));
    canvas.addEventListener('mousemove', (e) => {
      if (this.drag) this.drag.to = this.xOf(e);
      this.hover = this.xOf(e);
      this.draw();
    });
    canvas.addEventListener('mouseleave', () => {
      this.hover = null;
      this.draw();
    });
    window.addEventListener('mouseup', () => {
      if (!this.drag) return;
      const [a, b] = [this.drag.from, this.drag.to].sort((x, y) => x - y);
      this.drag = null;
      if (b - a > 8 && this.data) this.onZoom(Math.round(this.timeAt(a)), Math.round(this.timeAt(b)));
      this.draw();
    });
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  xOf(event) {
    return event.clientX - this.canvas.getBoundingClientRect().left;
  }
  timeAt(x) {
    const { sinceMs, untilMs } = this.view;
    return sinceMs + ((x - this.pad.left) / (this.width - this.pad.left - this.pad.right)) * (untilMs - sinceMs);
  }

  /**
   * data: the history API's answer; view: the time range to show (default the data's own), which may
   * reach a little past the data so its ends are not drawn against the frame.
   */
  show(data, view = { sinceMs: data.sinceMs, untilMs: data.untilMs }) {
    this.data = data;
    this.view = view;
    this.stepMs = typicalStepMs(data.points, (data.untilMs - data.sinceMs) / Math.max(1, data.maxPoints ?? 500));
    this.spans = pointSpans(data.points, this.stepMs, data.untilMs);
    Object.assign(this.canvas.dataset, { points: String(data.points.length), sinceMs: String(view.sinceMs), untilMs: String(view.untilMs), stepMs: String(this.stepMs) });
    this.draw();
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = (this.width = canvas.clientWidth);
    const height = canvas.clientHeight;
    if (!width || !this.data) return;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = '11px system-ui, sans-serif';

    const palette = colours();
    const { points, thresholds, transitions, tickets } = this.data;
    const { sinceMs, untilMs } = this.view;
    const spans = this.spans;
    const plotLeft = this.pad.left;
    const plotRight = width - this.pad.right;
    const plotW = plotRight - plotLeft;
    const delayH = (height - this.pad.top - this.pad.bottom - this.pad.gap) * 0.7;
    const delayBottom = this.pad.top + delayH;
    const lossTop = delayBottom + this.pad.gap;
    const lossH = height - lossTop - this.pad.bottom;
    const lossBottom = lossTop + lossH;
    const x = (t) => plotLeft + ((t - sinceMs) / (untilMs - sinceMs)) * plotW;
    // Scaled to p99 (or p95) and the threshold: a single slow probe (max) must not flatten the rest; the
    // max band is clipped at the top instead.
    const tops = points.map((p) => p.rttP99Ms ?? p.rttP95Ms ?? p.rttP50Ms).filter((v) => v != null);
    const delayMax = Math.max(this.fitToData ? 0 : thresholds.delayMs * 1.15, ...tops, 0.001) * 1.05;
    const thresholdShown = thresholds.delayMs <= delayMax;
    const yDelay = (v) => delayBottom - (Math.min(v, delayMax) / delayMax) * delayH;
    const lossMax = Math.max(thresholds.lossPct * 1.5, ...points.map((p) => p.lossPct), 1);
    const yLoss = (v) => lossBottom - (v / lossMax) * lossH;
    Object.assign(canvas.dataset, { plotLeft: String(plotLeft), plotRight: String(plotRight), lossTop: String(lossTop), lossBottom: String(lossBottom) });

    // No data (the monitor was not running, or the path not yet planned): shaded, and said so.
    g.textAlign = 'center';
    // Past the data's end (now) is the future, not a gap: left plain.
    for (const span of emptySpans(spans, this.stepMs, sinceMs, Math.min(untilMs, this.data.untilMs))) {
      const a = Math.max(plotLeft, x(span.startMs));
      const b = Math.min(plotRight, x(span.endMs));
      if (b - a < 1) continue;
      g.fillStyle = palette.empty;
      g.fillRect(a, this.pad.top, b - a, delayH);
      g.fillRect(a, lossTop, b - a, lossH);
      if (b - a > 60) {
        g.fillStyle = '#9aa1ab';
        g.fillText('no data', (a + b) / 2, this.pad.top + delayH / 2);
      }
    }

    // Grid and value axes
    g.strokeStyle = '#e2e6eb';
    g.fillStyle = '#66707c';
    g.lineWidth = 1;
    g.textAlign = 'right';
    for (let i = 0; i <= 4; i++) {
      const v = (delayMax * i) / 4;
      line(g, plotLeft, yDelay(v), plotRight, yDelay(v));
      g.fillText(`${ms(v)} ms`, plotLeft - 4, yDelay(v) + 3);
    }
    for (const v of [0, lossMax / 2, lossMax]) {
      line(g, plotLeft, yLoss(v), plotRight, yLoss(v));
      g.fillText(`${pct(v)} %`, plotLeft - 4, yLoss(v) + 3);
    }
    // Time axis, in the browser's zone, which is printed at its end.
    const stepMs = tickStepMs(sinceMs, untilMs, Math.max(3, Math.floor(plotW / 110)));
    g.textAlign = 'center';
    for (const t of ticks(sinceMs, untilMs, Math.max(3, Math.floor(plotW / 110)))) {
      line(g, x(t), this.pad.top, x(t), lossBottom);
      g.fillText(label(t, untilMs - sinceMs, stepMs), x(t), height - 12);
    }
    g.textAlign = 'right';
    g.fillStyle = '#1d232b';
    const zone = timeZone(untilMs);
    g.fillText(`times: ${zone.offset}`, plotRight, height - 1);
    canvas.dataset.timeZone = zone.text;

    // Smoke: one column per point, as wide as its time, nested bands from the widest (max) in.
    g.save();
    g.beginPath();
    g.rect(plotLeft, this.pad.top, plotW, delayH);
    g.clip();
    const bands = [
      [palette.smokeMax, (p) => p.rttMaxMs ?? p.rttP99Ms],
      [palette.smokeP99, (p) => p.rttP99Ms ?? p.rttP95Ms],
      [palette.smokeP95, (p) => p.rttP95Ms],
    ];
    for (const [colour, top] of bands) {
      g.fillStyle = colour;
      points.forEach((p, i) => {
        const high = top(p);
        const low = p.rttMinMs ?? p.rttP50Ms;
        if (high == null || low == null) return;
        const [a, b] = columnPx(x, spans[i]);
        g.fillRect(a, yDelay(high), b - a, Math.max(1, yDelay(low) - yDelay(high)));
      });
    }
    // Percentile lines through each column's middle, broken where data is missing.
    series(g, points, spans, (p) => p.rttP95Ms, x, yDelay, palette.p95, 1.2);
    series(g, points, spans, (p) => p.rttP50Ms, x, yDelay, palette.p50, 1.8);
    g.restore();

    // Loss bars: from where each point's time starts to where it ends, whole pixels so neighbours join.
    g.fillStyle = palette.loss;
    points.forEach((p, i) => {
      if (!(p.lossPct > 0)) return;
      const [a, b] = columnPx(x, spans[i]);
      const left = Math.max(plotLeft, a);
      const right = Math.min(plotRight, b);
      if (right > left) g.fillRect(left, yLoss(p.lossPct), right - left, lossBottom - yLoss(p.lossPct));
    });

    // Thresholds
    g.setLineDash([6, 4]);
    g.strokeStyle = palette.threshold;
    if (thresholdShown) line(g, plotLeft, yDelay(thresholds.delayMs), plotRight, yDelay(thresholds.delayMs));
    line(g, plotLeft, yLoss(thresholds.lossPct), plotRight, yLoss(thresholds.lossPct));
    g.setLineDash([]);
    g.fillStyle = '#a87700';
    g.textAlign = 'left';
    if (thresholdShown) g.fillText(`delay threshold ${thresholds.delayMs} ms`, plotLeft + 4, yDelay(thresholds.delayMs) - 4);
    // Below the time axis, where no data is drawn.
    else g.fillText(`delay threshold ${thresholds.delayMs} ms: above the scale`, plotLeft, height - 1);
    g.fillText(`loss threshold ${thresholds.lossPct} %`, plotLeft + 4, yLoss(thresholds.lossPct) - 4);

    this.drawTransitions(g, transitions, x, plotLeft, plotRight, lossBottom);
    for (const ticket of tickets) {
      if (ticket.openedAtMs < sinceMs || ticket.openedAtMs > untilMs) continue;
      const tx = x(ticket.openedAtMs);
      g.fillStyle = palette.ticket;
      g.beginPath();
      g.moveTo(tx, lossTop - 4);
      g.lineTo(tx + 10, lossTop - 9);
      g.lineTo(tx, lossTop - 14);
      g.fill();
      g.fillText(`ticket #${ticket.ticketId}`, tx + 12, lossTop - 6);
    }
    g.lineWidth = 1;

    if (this.drag) {
      g.fillStyle = 'rgba(47,111,222,.15)';
      g.fillRect(Math.min(this.drag.from, this.drag.to), this.pad.top, Math.abs(this.drag.to - this.drag.from), lossBottom - this.pad.top);
    }
    this.hoverTip(g, x, this.pad.top, lossBottom);
  }

  /** Coloured lines at each change; labels in lanes above the plot (chart-marks.js), never overlapping. */
  drawTransitions(g, transitions, x, plotLeft, plotRight, bottom) {
    const { sinceMs, untilMs } = this.view;
    const shown = transitions.filter((t) => t.atMs >= sinceMs && t.atMs <= untilMs);
    for (const t of shown) {
      g.strokeStyle = stateColour[t.to];
      g.lineWidth = 1.5;
      line(g, x(t.atMs), this.pad.top - 2, x(t.atMs), bottom);
    }
    g.lineWidth = 1;
    g.font = '600 10px system-ui, sans-serif';
    const { placed, omitted } = layoutMarks(
      shown.map((t) => ({ x: x(t.atMs), text: t.to, atMs: t.atMs })),
      (text) => g.measureText(text).width,
      { leftPx: plotLeft, rightPx: plotRight, lanes: this.lanes },
    );
    g.textAlign = 'left';
    for (const placedLabel of placed) {
      const y = 10 + placedLabel.lane * LANE_PX;
      const mark = placedLabel.mark;
      // A thin leader from the label's lane down to its line, so a moved label still points at its change.
      g.strokeStyle = stateColour[mark.text];
      line(g, mark.x, y - 4, mark.x, this.pad.top - 2);
      g.fillStyle = stateColour[mark.text];
      g.fillText(placedLabel.text, placedLabel.leftPx, y + 3);
    }
    g.font = '11px system-ui, sans-serif';
    if (omitted) {
      g.fillStyle = '#66707c';
      g.textAlign = 'right';
      g.fillText(`${omitted} more changes (zoom in to label them)`, plotRight, 10 + this.lanes * LANE_PX - 2);
    }
    this.canvas.dataset.marks = JSON.stringify(placed.map((l) => ({ text: l.text, state: l.mark.text, atMs: l.mark.atMs, lane: l.lane, leftPx: l.leftPx, rightPx: l.rightPx })));
    this.canvas.dataset.marksOmitted = String(omitted);
  }

  hoverTip(g, x, top, bottom) {
    const { points } = this.data;
    if (this.hover == null || !points.length || this.hover < this.pad.left) {
      this.tip.style.display = 'none';
      return;
    }
    const t = this.timeAt(this.hover);
    const i = this.spans.findIndex((span) => t >= span.startMs && t < span.endMs);
    g.strokeStyle = '#1d232b';
    line(g, this.hover, top, this.hover, bottom);
    this.tip.style.display = 'block';
    this.tip.style.left = `${Math.min(this.hover + 12, this.width - 240)}px`;
    this.tip.style.top = '20px';
    if (i < 0) {
      this.tip.textContent = `${time(t)}\nno data`;
      return;
    }
    const p = points[i];
    this.tip.textContent =
      `${time(p.atMs)}${p.rounds > 1 ? ` (${p.rounds} rounds)` : ''}\n` +
      `p50 ${ms(p.rttP50Ms)} ms  p95 ${ms(p.rttP95Ms)} ms  p99 ${ms(p.rttP99Ms)} ms\n` +
      `min ${ms(p.rttMinMs)} ms  max ${ms(p.rttMaxMs)} ms\nloss ${pct(p.lossPct)} %  (${p.received}/${p.sent})`;
  }
}

/** A span's column in whole pixels (at least one), so neighbouring columns join without seams. */
function columnPx(x, span) {
  const a = Math.floor(x(span.startMs));
  return [a, Math.max(a + 1, Math.ceil(x(span.endMs)))];
}

export function line(g, x1, y1, x2, y2) {
  g.beginPath();
  g.moveTo(x1, y1);
  g.lineTo(x2, y2);
  g.stroke();
}

function series(g, points, spans, value, x, y, colour, width) {
  g.strokeStyle = colour;
  g.lineWidth = width;
  g.beginPath();
  let pen = false;
  points.forEach((p, i) => {
    const v = value(p);
    if (v == null) {
      pen = false;
      return;
    }
    const px = x((spans[i].startMs + spans[i].endMs) / 2);
    if (pen) g.lineTo(px, y(v));
    else g.moveTo(px, y(v));
    pen = !spans[i].gapAfter;
  });
  g.stroke();
  g.lineWidth = 1;
}
