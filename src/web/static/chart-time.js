// The time axis shared by the history and link charts: tick positions at round local times, their
// labels, and the time zone they are in. Ticks and labels are in the browser's zone (that is what
// Date formats in), so the zone is printed beside them: a chart read by someone elsewhere, or compared
// with a router's UTC log, must not leave the reader guessing.

const STEPS = [10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 2 * 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3];

/** Tick times for since..until, at most about `count` of them, on whole local minutes, hours or days. */
export function ticks(since, until, count) {
  const step = tickStepMs(since, until, count);
  const offset = new Date(since).getTimezoneOffset() * 60e3;
  const out = [];
  for (let t = Math.ceil((since - offset) / step) * step + offset; t <= until; t += step) out.push(t);
  return out;
}

export function tickStepMs(since, until, count) {
  return STEPS.find((s) => (until - since) / s <= count) ?? STEPS[STEPS.length - 1];
}

/** A tick's label: seconds when ticks are seconds apart, the date when the range spans days. */
export function label(t, spanMs, stepMs = 60e3) {
  const d = new Date(t);
  if (stepMs < 60e3) return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const hm = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  const day = d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return spanMs > 2 * 86400e3 ? day : spanMs > 86400e3 ? `${day} ${hm}` : hm;
}

/** The browser's zone at `atMs`: its UTC offset (`UTC`, `UTC+01:00`, `UTC-05:00`) and IANA name. */
export function timeZone(atMs = Date.now()) {
  const offsetMin = -new Date(atMs).getTimezoneOffset();
  const abs = Math.abs(offsetMin);
  const two = (n) => String(n).padStart(2, '0');
  const offset = offsetMin === 0 ? 'UTC' : `UTC${offsetMin < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  return { offset, name, text: name && name !== 'UTC' && name !== 'Etc/UTC' ? `${offset} (${name})` : offset };
}
