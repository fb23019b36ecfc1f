/**
 * Makes a log line's message and fields safe to write: every string is scrubbed of the secret values
 * pathmon has resolved (secrets/redact.ts), Secret objects print as their description, and an Error is
 * reduced to its name, message and code (and its stack, scrubbed, when asked for). An error's other
 * properties are dropped: for HTTP clients they hold request headers, the API key among them.
 * Scrubbing happens before the line is serialised, so a secret holding quotes or backslashes is found
 * in its raw form rather than missed in its JSON-escaped one.
 */
import { redactSecrets } from '../secrets/redact.js';
import { isSecret } from '../secrets/secret.js';
import type { LogFields } from './logger.js';

/** Deeper structures are cut: a log line is not the place for a whole object graph. */
const MAX_DEPTH = 6;
const MAX_ERROR_CAUSES = 3;

export interface ScrubOptions {
  /** Keep (scrubbed) stacks of errors: at debug and trace levels. */
  stacks: boolean;
}

export interface ScrubbedError {
  type: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: ScrubbedError | string;
}

export function scrubError(error: Error, options: ScrubOptions, causes = 0): ScrubbedError {
  const out: ScrubbedError = { type: error.name || 'Error', message: redactSecrets(error.message) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out.code = redactSecrets(code);
  else if (typeof code === 'number') out.code = code;
  if (options.stacks && error.stack) out.stack = redactSecrets(error.stack);
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && causes < MAX_ERROR_CAUSES) {
    out.cause = cause instanceof Error ? scrubError(cause, options, causes + 1) : redactSecrets(String(cause));
  }
  return out;
}

/** A copy of `value` safe to log: plain data only, every string scrubbed. */
export function scrubValue(value: unknown, options: ScrubOptions, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || value === undefined) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'symbol' || typeof value === 'function') return undefined;
  if (isSecret(value)) return value.toString();
  if (value instanceof Error) return scrubError(value, options);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => scrubValue(item, options, depth + 1, seen));
    if (value instanceof Map) return scrubValue(Object.fromEntries(value), options, depth, seen);
    if (value instanceof Set) return scrubValue([...value], options, depth, seen);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return scrubValue(toJSON.call(value), options, depth + 1, seen);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const scrubbed = scrubValue(item, options, depth + 1, seen);
      if (scrubbed !== undefined) out[redactSecrets(key)] = scrubbed;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

export function scrubFields(fields: LogFields, options: ScrubOptions): LogFields {
  return scrubValue(fields, options) as LogFields;
}
