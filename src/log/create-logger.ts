/**
 * The Logger, written by pino. pino does the levels, children and the JSON line (time in ISO 8601,
 * the level by name so a reader needs no table); in `text` format its JSON line is re-shaped by
 * text-format.ts on the way out, so both formats carry the same fields.
 *
 * Every message and field is scrubbed of secrets (scrub.ts) before pino sees it, and a child's bindings
 * when the child is made (pino serialises them once). pino's own `redact` option removes values at
 * known key paths, but a secret reaches a log line through paths nobody foresaw (a driver quoting its
 * connection string in a message), so values are matched, not keys.
 *
 * Lines go to stderr, written synchronously: stdout carries command output, and a line written just
 * before the process exits must not be lost.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { redactSecrets } from '../secrets/redact.js';
import type { LogFields, LogFormat, Logger, LogLevel, LogThreshold } from './logger.js';
import { scrubFields } from './scrub.js';
import { formatTextLine } from './text-format.js';

/** Anything lines can be written to: a stream, or a test's collector. */
export interface LogSink {
  write(text: string): unknown;
}

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogThreshold;
  /** Default `text`. */
  format?: LogFormat;
  /** Default: standard error. */
  destination?: LogSink;
  /** Fields on every line, e.g. `{ component: 'cli' }`. */
  bindings?: LogFields;
}

let stderrSink: LogSink | null = null;

function standardError(): LogSink {
  stderrSink ??= pino.destination({ dest: 2, sync: true });
  return stderrSink;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.destination ?? standardError();
  const stream: DestinationStream =
    options.format === 'json' ? { write: (line) => void sink.write(line) } : { write: (line) => void sink.write(formatTextLine(JSON.parse(line) as Record<string, unknown>)) };
  const root = pino(
    {
      level: options.level ?? 'info',
      // No pid and hostname on every line: the journal or the collector records where a line came from.
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      // Errors arrive already reduced to plain, scrubbed records; pino's serializer would re-read them.
      serializers: { err: (value: unknown) => value },
    },
    stream,
  );
  const logger = new PinoBackedLogger(root);
  return options.bindings ? logger.child(options.bindings) : logger;
}

class PinoBackedLogger implements Logger {
  constructor(private readonly pino: PinoLogger) {}

  get level(): LogThreshold {
    return this.pino.level as LogThreshold;
  }

  isLevelEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(level);
  }

  // Bound, so a method can be handed on alone (`onWarning: log.warn`) as the `(line) => void` callbacks take it.
  trace = (msg: string, fields?: LogFields): void => this.write('trace', msg, fields);
  debug = (msg: string, fields?: LogFields): void => this.write('debug', msg, fields);
  info = (msg: string, fields?: LogFields): void => this.write('info', msg, fields);
  warn = (msg: string, fields?: LogFields): void => this.write('warn', msg, fields);
  error = (msg: string, fields?: LogFields): void => this.write('error', msg, fields);
  fatal = (msg: string, fields?: LogFields): void => this.write('fatal', msg, fields);

  child(bindings: LogFields): Logger {
    return new PinoBackedLogger(this.pino.child(scrubFields(bindings, this.scrubOptions())));
  }

  private scrubOptions() {
    return { stacks: this.pino.isLevelEnabled('debug') };
  }

  private write(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const text = redactSecrets(typeof msg === 'string' ? msg : String(msg));
    if (fields === undefined) this.pino[level](text);
    else this.pino[level](scrubFields(fields, this.scrubOptions()), text);
  }
}
