/**
 * Durations as people type them, on a command line (`--since 24h`) and in the config (`interval: 2s`,
 * `timeout: 500ms`, `retention: 30d`): a number and a unit, ms, s, m, h, d or w. One parser so the CLI
 * and the config agree, with an error that names the value and the forms accepted. Fractions are
 * accepted (`1.5s`, `0.5ms`) because a probe spacing or a timeout is often below a whole unit; the
 * result is in milliseconds, as every duration inside pathmon is.
 */
import { ConfigError } from './config-error.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `1.5s`, `500ms`, `24h`: a non-negative decimal number (no exponent) and one unit, spaces allowed between. */
const DURATION = /^\s*(\d{1,9}(?:\.\d{1,6})?|\.\d{1,6})\s*(ms|s|m|h|d|w)\s*$/;

export const DURATION_FORMS = 'a number and a unit (ms, s, m, h, d or w), like 500ms, 2s, 1.5m, 24h, 7d or 2w';

/**
 * The milliseconds of `text`, or null when it is not a duration. Zero is a duration here; callers that
 * need a positive one say so (a probe spacing of 0 ms is meaningful, a window of 0 is not).
 */
export function durationMsOrNull(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  // Rounded to the microsecond: 0.1 * 1000 is 100.00000000000001 in binary floating point.
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]! * 1000) / 1000;
}

/** `24h` to 86,400,000. @throws ConfigError for anything that is not a positive duration. */
export function parseDurationMs(text: string, option = '--since'): number {
  const ms = durationMsOrNull(text);
  if (ms === null || ms <= 0) {
    throw new ConfigError(`config.parseDurationMs: ${option} "${text}" is not a duration; expected a positive ${DURATION_FORMS}`, option, option);
  }
  return ms;
}

/** 93,784,000 to `1d 2h 3m`: the two largest units, enough to read at a glance. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= seconds) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  return parts.slice(0, 2).join(' ');
}
