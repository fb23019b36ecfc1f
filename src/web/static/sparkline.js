// A sparkline on a small canvas: the last rounds' median RTT, lost rounds as red ticks at the bottom.
export function drawSparkline(canvas, points, colour) {
  const ratio = window.devicePixelRatio || 1;
  const width = 100;
  const height = 18;
  if (canvas.width !== width * ratio) {
    canvas.width = width * ratio;
    canvas.height = height * ratio;
  }
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  if (!points.length) return;
  const values = points.filter((v) => v != null);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const span = hi - lo || 1;
  const step = points.length > 1 ? (width - 2) / (points.length - 1) : 0;
  g.strokeStyle = colour;
  g.lineWidth = 1.2;
  g.beginPath();
  let pen = false;
  points.forEach((v, i) => {
    const x = 1 + i * step;
    if (v == null) {
      g.fillStyle = '#d23b3b';
      g.fillRect(x - 1, height - 4, 2, 4);
      pen = false;
      return;
    }
    const y = height - 2 - ((v - lo) / span) * (height - 5);
    if (pen) g.lineTo(x, y);
    else g.moveTo(x, y);
    pen = true;
  });
  g.stroke();
}
