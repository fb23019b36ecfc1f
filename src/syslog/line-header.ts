/**
 * What a syslog header reader gets out of one line once its PRI is known to be valid: the fields that
 * differ between RFC 5424, RFC 3164 and the Cisco forms. Two readers produce it (fast-header.ts for the
 * common well-formed shapes, nsyslog-header.ts for everything else) and must agree field by field on
 * every line the fast one accepts; parse-line.ts turns it into an event's fields.
 */
import type { SyslogEvent } from './syslog-event.js';

export interface LineHeader {
  deviceTimeMs: number | null;
  /** HOSTNAME, null when the line names none (NILVALUE, or no header). */
  host: string | null;
  /** APP-NAME or TAG without its `[pid]`, null when none. */
  program: string | null;
  message: string;
  structuredData: SyslogEvent['structuredData'];
  /** RFC 5424 MSGID, null for NILVALUE and RFC 3164 lines. */
  messageId: string | null;
}

const DAY_MS = 86_400_000;

/**
 * An RFC 3164 time has no year; the reader gives it the wall clock's, which puts a December line
 * received in January a year ahead: it gets the year of reception, and a time more than a day after
 * reception is moved back a year. `ms`: the time in the wall clock's year, local time.
 */
export function rfc3164DeviceTime(ms: number, receivedAtMs: number): number | null {
  if (!Number.isFinite(ms)) return null;
  const dated = new Date(ms);
  dated.setFullYear(new Date(receivedAtMs).getFullYear());
  if (dated.getTime() > receivedAtMs + DAY_MS) dated.setFullYear(dated.getFullYear() - 1);
  return dated.getTime();
}

/**
 * Sets `key` as an own property even when it is `__proto__`: an SD-ID or PARAM-NAME is sender text, and
 * plain assignment of `__proto__` would be dropped, or change the object's prototype.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
