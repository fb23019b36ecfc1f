/**
 * The one logger interface of the application: levelled lines with structured fields, and children
 * that carry bindings (`component`, a path id) into every line they write. It is a superset of the
 * narrower `(line) => void` shapes parts of pathmon take (the monitor's MonitorLog), so one logger
 * serves them all.
 */

/** Least to most severe; a logger at a level writes that level and every more severe one. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `silent` writes nothing. */
export type LogThreshold = LogLevel | 'silent';
export const LOG_THRESHOLDS: readonly LogThreshold[] = [...LOG_LEVELS, 'silent'];

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Structured context for one line. An Error under any key is written as its name, message and code. */
export type LogFields = Record<string, unknown>;

export type LogMethod = (msg: string, fields?: LogFields) => void;

export interface Logger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  fatal: LogMethod;
  /** A logger whose every line also carries `bindings` (e.g. `{ component: 'store' }`). */
  child(bindings: LogFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
  readonly level: LogThreshold;
}
