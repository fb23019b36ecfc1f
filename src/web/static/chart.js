// The history chart: delay (p50 line, p95 line, the delay threshold) over loss bars (and the loss
// threshold), state changes as coloured vertical lines, tickets as flags. Drawn on one canvas by hand:
// the data is at most a few thousand points, and a dependency would weigh more than this file.
import { ms, pct, stateColour, time } from './format.js';

const PAD = { left: 56, right: 16, top: 16, bottom: 28, gap: 22 };

export class HistoryChart {
  constructor(canvas, tip, onZoom) {
    Object.assign(this, { canvas, tip, onZoom });
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
    const { sinceMs, untilMs } = this.data;
    return sinceMs + ((x - PAD.left) / (this.width - PAD.left - PAD.right)) * (untilMs - sinceMs);
  }

  show(data) {
    this.data = data;
    this.canvas.dataset.points = String(data.points.length);
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

    const { sinceMs, untilMs, points, thresholds, transitions, tickets } = this.data;
    const plotW = width - PAD.left - PAD.right;
    const delayH = (height - PAD.top - PAD.bottom - PAD.gap) * 0.68;
    const lossTop = PAD.top + delayH + PAD.gap;
    const lossH = height - lossTop - PAD.bottom;
    const x = (t) => PAD.left + ((t - sinceMs) / (untilMs - sinceMs)) * plotW;
    const delays = points.flatMap((p) => [p.rttP50Ms, p.rttP95Ms]).filter((v) => v != null);
    const delayMax = Math.max(thresholds.delayMs * 1.15, ...delays, 0.001) * 1.05;
    const yDelay = (v) => PAD.top + delayH - (v / delayMax) * delayH;
    const lossMax = Math.max(thresholds.lossPct * 1.5, ...points.map((p) => p.lossPct), 1);
    const yLoss = (v) => lossTop + lossH - (v / lossMax) * lossH;

    // Axes and grid
    g.strokeStyle = '#e2e6eb';
    g.fillStyle = '#66707c';
    g.lineWidth = 1;
    g.textAlign = 'right';
    for (let i = 0; i <= 4; i++) {
      const v = (delayMax * i) / 4;
      line(g, PAD.left, yDelay(v), width - PAD.right, yDelay(v));
      g.fillText(`${ms(v)} ms`, PAD.left - 4, yDelay(v) + 3);
    }
    for (const v of [0, lossMax / 2, lossMax]) {
      line(g, PAD.left, yLoss(v), width - PAD.right, yLoss(v));
      g.fillText(`${pct(v)} %`, PAD.left - 4, yLoss(v) + 3);
    }
    g.textAlign = 'center';
    for (const t of ticks(sinceMs, untilMs, 6)) {
      g.fillText(label(t, untilMs - sinceMs), x(t), height - 10);
      line(g, x(t), PAD.top, x(t), lossTop + lossH);
    }

    // Loss bars, each as wide as the time its point stands for (not the plot split by the point count).
    const barW = Math.max(1, x(sinceMs + stepOf(points, sinceMs, untilMs)) - x(sinceMs) - 1);
    g.fillStyle = '#d23b3b';
    for (const p of points) if (p.lossPct > 0) g.fillRect(x(p.atMs) - barW / 2, yLoss(p.lossPct), barW, lossTop + lossH - yLoss(p.lossPct));

    // Delay lines
    series(g, points, (p) => p.rttP95Ms, x, yDelay, '#9bb7ea', 1);
    series(g, points, (p) => p.rttP50Ms, x, yDelay, '#2f6fde', 1.6);

    // Thresholds
    g.setLineDash([6, 4]);
    g.strokeStyle = '#d99a00';
    line(g, PAD.left, yDelay(thresholds.delayMs), width - PAD.right, yDelay(thresholds.delayMs));
    line(g, PAD.left, yLoss(thresholds.lossPct), width - PAD.right, yLoss(thresholds.lossPct));
    g.setLineDash([]);
    g.fillStyle = '#a87700';
    g.textAlign = 'left';
    g.fillText(`delay threshold ${thresholds.delayMs} ms`, PAD.left + 4, yDelay(thresholds.delayMs) - 4);
    g.fillText(`loss threshold ${thresholds.lossPct} %`, PAD.left + 4, yLoss(thresholds.lossPct) - 4);

    // Transitions and tickets
    for (const t of transitions) {
      if (t.atMs < sinceMs || t.atMs > untilMs) continue;
      g.strokeStyle = stateColour[t.to];
      g.lineWidth = 2;
      line(g, x(t.atMs), PAD.top, x(t.atMs), lossTop + lossH);
      g.fillStyle = stateColour[t.to];
      g.fillText(t.to, x(t.atMs) + 3, PAD.top + 9);
    }
    for (const ticket of tickets) {
      if (ticket.openedAtMs < sinceMs) continue;
      const tx = x(ticket.openedAtMs);
      g.fillStyle = '#7a3fc4';
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
      g.fillRect(Math.min(this.drag.from, this.drag.to), PAD.top, Math.abs(this.drag.to - this.drag.from), lossTop + lossH - PAD.top);
    }
    this.hoverTip(g, points, x, PAD.top, lossTop + lossH);
  }

  hoverTip(g, points, x, top, bottom) {
    if (this.hover == null || !points.length || this.hover < PAD.left) {
      this.tip.style.display = 'none';
      return;
    }
    const t = this.timeAt(this.hover);
    let best = points[0];
    for (const p of points) if (Math.abs(p.atMs - t) < Math.abs(best.atMs - t)) best = p;
    g.strokeStyle = '#1d232b';
    line(g, x(best.atMs), top, x(best.atMs), bottom);
    this.tip.style.display = 'block';
    this.tip.style.left = `${Math.min(x(best.atMs) + 12, this.width - 200)}px`;
    this.tip.style.top = '20px';
    this.tip.textContent = `${time(best.atMs)}${best.rounds > 1 ? ` (${best.rounds} rounds)` : ''}\np50 ${ms(best.rttP50Ms)} ms  p95 ${ms(best.rttP95Ms)} ms\nloss ${pct(best.lossPct)} %  (${best.received}/${best.sent})`;
  }
}

/** The time one point stands for: the smallest gap between points (a round, or a rollup bucket). */
export function stepOf(points, sinceMs, untilMs) {
  let step = Infinity;
  for (let i = 1; i < points.length; i++) {
    const gap = points[i].atMs - points[i - 1].atMs;
    if (gap > 0 && gap < step) step = gap;
  }
  return Number.isFinite(step) ? step : (untilMs - sinceMs) / 100;
}

export function line(g, x1, y1, x2, y2) {
  g.beginPath();
  g.moveTo(x1, y1);
  g.lineTo(x2, y2);
  g.stroke();
}

function series(g, points, value, x, y, colour, width) {
  g.strokeStyle = colour;
  g.lineWidth = width;
  g.beginPath();
  let pen = false;
  for (const p of points) {
    const v = value(p);
    if (v == null) {
      pen = false;
      continue;
    }
    if (pen) g.lineTo(x(p.atMs), y(v));
    else g.moveTo(x(p.atMs), y(v));
    pen = true;
  }
  g.stroke();
  g.lineWidth = 1;
}

const STEPS = [60e3, 300e3, 900e3, 1800e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3];
export function ticks(since, until, count) {
  const step = STEPS.find((s) => (until - since) / s <= count) ?? STEPS[STEPS.length - 1];
  const offset = new Date().getTimezoneOffset() * 60e3;
  const out = [];
  for (let t = Math.ceil((since - offset) / step) * step + offset; t <= until; t += step) out.push(t);
  return out;
}
export function label(t, spanMs) {
  const d = new Date(t);
  const hm = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  return spanMs > 2 * 86400e3 ? `${d.getMonth() + 1}/${d.getDate()}` : spanMs > 86400e3 ? `${d.getMonth() + 1}/${d.getDate()} ${hm}` : hm;
}
