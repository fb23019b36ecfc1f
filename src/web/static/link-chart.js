// One directed link's (or group's) estimates over time: added one-way delay on top, loss below, the
// incidents that touched it as shaded spans. Only non-zero estimates are stored, so a gap is a healthy
// stretch: each bar covers the time its point stands for (the server's stepMs: a round, or a rollup
// bucket), so bars are sized by time and a fault that lasted ten minutes looks ten minutes long whatever
// the number of points. The axes, ticks and labels are the history chart's.
import { ms, pct, time } from './format.js';
import { line } from './chart.js';
import { label, ticks, timeZone } from './chart-time.js';

const PAD = { left: 56, right: 16, top: 16, bottom: 28, gap: 22 };
const DELAY = '#d99a00';
const LOSS = '#d23b3b';
const DOWN = '#8f1f1f';

export class LinkChart {
  constructor(canvas, tip) {
    Object.assign(this, { canvas, tip });
    this.data = null;
    canvas.addEventListener('mousemove', (e) => {
      this.hover = e.clientX - canvas.getBoundingClientRect().left;
      this.draw();
    });
    canvas.addEventListener('mouseleave', () => {
      this.hover = null;
      this.draw();
    });
    new ResizeObserver(() => this.draw()).observe(canvas);
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

    const { sinceMs, untilMs, stepMs, points, incidents } = this.data;
    const plotW = width - PAD.left - PAD.right;
    const delayH = (height - PAD.top - PAD.bottom - PAD.gap) * 0.5;
    const lossTop = PAD.top + delayH + PAD.gap;
    const lossH = height - lossTop - PAD.bottom;
    const x = (t) => PAD.left + ((Math.min(Math.max(t, sinceMs), untilMs) - sinceMs) / (untilMs - sinceMs)) * plotW;
    const delayMax = Math.max(1, ...points.map((p) => p.addedDelayMs)) * 1.1;
    const yDelay = (v) => PAD.top + delayH - (v / delayMax) * delayH;
    const yLoss = (v) => lossTop + lossH - (v / 100) * lossH;

    // Incidents behind everything: the span they were open, in their kind's colour.
    for (const incident of incidents) {
      const from = x(incident.openedAtMs);
      const to = x(incident.resolvedAtMs ?? untilMs);
      if (to <= PAD.left || from >= width - PAD.right) continue;
      g.fillStyle = incident.kind === 'delay' ? 'rgba(217,154,0,.10)' : 'rgba(210,59,59,.08)';
      g.fillRect(from, PAD.top, Math.max(2, to - from), lossTop + lossH - PAD.top);
      g.fillStyle = incident.kind === 'delay' ? '#a87700' : '#a32b2b';
      g.textAlign = 'left';
      g.fillText(`${incident.kind}${incident.state === 'open' ? ' (open)' : ''}`, from + 3, PAD.top + 10);
    }

    g.strokeStyle = '#e2e6eb';
    g.fillStyle = '#66707c';
    g.lineWidth = 1;
    g.textAlign = 'right';
    for (let i = 0; i <= 4; i++) {
      const v = (delayMax * i) / 4;
      line(g, PAD.left, yDelay(v), width - PAD.right, yDelay(v));
      g.fillText(`${ms(v)} ms`, PAD.left - 4, yDelay(v) + 3);
    }
    for (const v of [0, 50, 100]) {
      line(g, PAD.left, yLoss(v), width - PAD.right, yLoss(v));
      g.fillText(`${v} %`, PAD.left - 4, yLoss(v) + 3);
    }
    g.textAlign = 'center';
    for (const t of ticks(sinceMs, untilMs, 6)) {
      g.fillText(label(t, untilMs - sinceMs), x(t), height - 10);
      line(g, x(t), PAD.top, x(t), lossTop + lossH);
    }
    g.textAlign = 'left';
    g.fillStyle = '#66707c';
    g.fillText('added one-way delay', PAD.left + 4, PAD.top - 4);
    g.textAlign = 'right';
    g.fillText(`times: ${timeZone(untilMs).offset}`, width - PAD.right, PAD.top - 4);
    g.textAlign = 'left';
    g.fillText('loss', PAD.left + 4, lossTop - 6);

    // Bars: from the point's time to the end of the time it stands for.
    for (const p of points) {
      // Whole pixels, so consecutive rounds join into one block instead of anti-aliased stripes.
      const left = Math.floor(x(p.atMs));
      const barW = Math.max(1, Math.ceil(x(p.atMs + stepMs)) - left);
      if (p.addedDelayMs > 0) {
        g.fillStyle = DELAY;
        g.fillRect(left, yDelay(p.addedDelayMs), barW, PAD.top + delayH - yDelay(p.addedDelayMs));
      }
      if (p.lossRatio > 0) {
        g.fillStyle = p.down ? DOWN : LOSS;
        g.fillRect(left, yLoss(p.lossRatio * 100), barW, lossTop + lossH - yLoss(p.lossRatio * 100));
      }
    }
    this.hoverTip(g, x, lossTop + lossH);
  }

  hoverTip(g, x, bottom) {
    const { points, sinceMs, untilMs, stepMs } = this.data;
    if (this.hover == null || this.hover < PAD.left) {
      this.tip.style.display = 'none';
      return;
    }
    const t = sinceMs + ((this.hover - PAD.left) / (this.width - PAD.left - PAD.right)) * (untilMs - sinceMs);
    const hit = points.find((p) => t >= p.atMs && t < p.atMs + stepMs);
    g.strokeStyle = '#1d232b';
    line(g, this.hover, PAD.top, this.hover, bottom);
    this.tip.style.display = 'block';
    this.tip.style.left = `${Math.min(this.hover + 12, this.width - 220)}px`;
    this.tip.style.top = '20px';
    this.tip.textContent = hit
      ? `${time(hit.atMs)}\nloss ${pct(hit.lossRatio * 100)} %${hit.down ? ' (down)' : ''}  +${ms(hit.addedDelayMs)} ms\nconfidence ${Math.round(hit.confidence * 100)} %, ${hit.support} routes`
      : `${time(t)}\nhealthy (no estimate above noise)`;
  }
}
