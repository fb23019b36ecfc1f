// Number and time formatting shared by the pages.
export const ms = (value) => (value == null ? '–' : value < 10 ? value.toFixed(3) : value < 100 ? value.toFixed(2) : value.toFixed(1));
export const pct = (value) => (value == null ? '–' : value === 0 ? '0' : value < 1 ? value.toFixed(2) : value.toFixed(1));
export const time = (atMs) => new Date(atMs).toLocaleString(undefined, { hour12: false });
export function ago(atMs, nowMs = Date.now()) {
  const s = Math.max(0, Math.round((nowMs - atMs) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
export const stateColour = { UP: '#2e9d4f', DEGRADED: '#d99a00', DOWN: '#d23b3b', GONE: '#9a9a9a' };
export const severity = { DOWN: 3, DEGRADED: 2, UP: 1, GONE: 0 };
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
