/**
 * Waiting rules shared by both channels: exponential backoff with jitter (so many pathmon instances
 * hit by one outage do not retry in step) and reading a 429's Retry-After. Pure functions; the random
 * source is passed in so tests are exact.
 */

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/**
 * The wait before retry number `attempt` (0 for the first retry): base·2^attempt, capped, then scaled
 * into [half, full] by `random` ("equal jitter": never less than half, so retries still spread out).
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/**
 * Retry-After in milliseconds: delta-seconds (what Freshdesk sends) or an HTTP date. Null when the
 * header is absent or unreadable, so the caller falls back to its own backoff.
 */
export function retryAfterMs(header: unknown, nowMs: number): number | null {
  if (typeof header !== 'string' && typeof header !== 'number') return null;
  const text = String(header).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names a weekday and month; Date.parse would also accept "-5" as a year.
  if (!/[A-Za-z]{3}/.test(text)) return null;
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return null;
  return Math.max(0, dateMs - nowMs);
}
