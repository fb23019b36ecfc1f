/**
 * Durations as people type them on a command line (`--since 24h`): a whole number and a unit, s, m, h,
 * d or w. One parser so `report` and `history` agree, with an error that names the value and the forms
 * accepted.
 */
import { ConfigError } from './config-error.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `24h` to 86,400,000. @throws ConfigError for anything else. */
export function parseDurationMs(text: string, option = '--since'): number {
  const match = /^\s*(\d{1,9})\s*([smhdw])\s*$/.exec(text);
  if (!match || Number(match[1]) === 0) {
    throw new ConfigError(`config.parseDurationMs: ${option} "${text}" is not a duration; expected a positive whole number and a unit, like 90s, 30m, 24h, 7d or 2w`, option, option);
  }
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** 93,784,000 to `1d 2h 3m`: the two largest units, enough to read at a glance. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, seconds] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= seconds) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  return parts.slice(0, 2).join(' ');
}
