/**
 * Validation of every API input. Each reader returns a typed value or throws ApiInputError naming the
 * parameter, the value received (truncated) and what was expected; the server turns that into a 400.
 * Times accept epoch milliseconds, ISO 8601, `now` and relative offsets such as `-6h` so URLs stay
 * readable (`?since=-24h`).
 */
import { pathStateNames, type PathStateName } from '../monitor/path-state.js';
import { ApiInputError } from './web-error.js';

export const MAX_RANGE_MS = 30 * 24 * 3600_000;
export const DEFAULT_RANGE_MS = 3600_000;
export const DEFAULT_MAX_POINTS = 1000;
export const MAX_POINTS_LIMIT = 5000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** Path ids are 12 hex digits today; anything printable and short is accepted and simply not found. */
const PATH_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export function pathIdParam(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new ApiInputError('id', `api.pathId: "${shown(raw)}" is not valid percent-encoding; expected a path id such as 3f2a9c01b7d4`);
  }
  if (!PATH_ID.test(decoded)) {
    throw new ApiInputError('id', `api.pathId: "${shown(decoded)}" is not a path id; expected 1-64 letters, digits or . _ : -`);
  }
  return decoded;
}

export function timeParam(query: URLSearchParams, name: string, fallbackMs: number, nowMs: number): number {
  const raw = single(query, name);
  if (raw === null || raw === '') return fallbackMs;
  if (raw === 'now') return nowMs;
  const relative = /^-(\d{1,6})([smhd])$/.exec(raw);
  if (relative) return nowMs - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw)) {
    const parsed = Date.parse(raw);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw new ApiInputError(
    name,
    `api.${name}: "${shown(raw)}" is not a time; expected epoch milliseconds, an ISO 8601 time, "now" or an offset such as -6h, -30m, -7d`,
  );
}

/** since/until with since < until and a span of at most 30 days; until defaults to now, since to until - 1 h. */
export function rangeParams(query: URLSearchParams, nowMs: number): { sinceMs: number; untilMs: number } {
  const untilMs = timeParam(query, 'until', nowMs, nowMs);
  const sinceMs = timeParam(query, 'since', untilMs - DEFAULT_RANGE_MS, nowMs);
  if (sinceMs >= untilMs) {
    throw new ApiInputError('since', `api.range: since (${sinceMs}) is not before until (${untilMs}); expected since < until`);
  }
  if (untilMs - sinceMs > MAX_RANGE_MS) {
    throw new ApiInputError(
      'since',
      `api.range: the range since..until spans ${Math.round((untilMs - sinceMs) / 3600_000)} h; expected at most 30 days (${MAX_RANGE_MS} ms)`,
    );
  }
  return { sinceMs, untilMs };
}

export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = single(query, name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d{1,9}$/.test(raw) || value < min || value > max) {
    throw new ApiInputError(name, `api.${name}: "${shown(raw)}" is not allowed; expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** `state=DOWN,DEGRADED`: a subset of the state names, or null for all. */
export function statesParam(query: URLSearchParams): Set<PathStateName> | null {
  const raw = single(query, 'state');
  if (raw === null || raw === '') return null;
  const states = new Set<PathStateName>();
  for (const part of raw.split(',')) {
    const name = part.trim().toUpperCase();
    if (!(pathStateNames as readonly string[]).includes(name)) {
      throw new ApiInputError('state', `api.state: "${shown(part)}" is not a path state; expected a comma-separated list of ${pathStateNames.join(', ')}`);
    }
    states.add(name as PathStateName);
  }
  return states;
}

export function stringParam(query: URLSearchParams, name: string, maxChars = 200): string | null {
  const raw = single(query, name);
  if (raw === null || raw === '') return null;
  if (raw.length > maxChars) throw new ApiInputError(name, `api.${name}: the value has ${raw.length} characters; expected at most ${maxChars}`);
  return raw;
}

function single(query: URLSearchParams, name: string): string | null {
  const values = query.getAll(name);
  if (values.length > 1) throw new ApiInputError(name, `api.${name}: given ${values.length} times; expected it once`);
  return values[0] ?? null;
}

function shown(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 60 ? `${printable.slice(0, 60)}...` : printable;
}
