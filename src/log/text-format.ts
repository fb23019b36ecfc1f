/**
 * The `--log-format text` line: `TIME LEVEL component: message key=value ...`, the shape pathmon's log
 * lines had before they were structured, so an engineer reading a terminal or journal sees the same.
 * A few lines of our own rather than pino-pretty: that is a development prettifier with a dozen
 * dependencies, colours and options pathmon does not want, and it could not keep this exact shape.
 *
 * It formats the JSON record pino writes, so both formats come from one logger and carry one set of
 * fields. Stacks (kept at debug and trace) follow on their own indented lines.
 */

/** Keys the line's head shows; every other key becomes `key=value`. */
const HEAD_KEYS = new Set(['time', 'level', 'msg', 'component']);

export function formatTextLine(record: Record<string, unknown>): string {
  const time = typeof record.time === 'string' ? record.time : new Date().toISOString();
  const level = typeof record.level === 'string' ? record.level : 'info';
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const component = typeof record.component === 'string' ? record.component : '';
  // Messages in the `module.function:` style already name their component; it is not said twice.
  const head = component && !msg.startsWith(`${component}:`) && !msg.startsWith(`${component}.`) ? `${component}: ${msg}` : msg;
  const stacks: string[] = [];
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (HEAD_KEYS.has(key) || value === undefined) continue;
    pairs.push(`${key}=${textValue(value, key, stacks)}`);
  }
  const tail = pairs.length > 0 ? ` ${pairs.join(' ')}` : '';
  const stackLines = stacks.map((stack) => `\n${stack.replace(/^/gm, '    ')}`).join('');
  return `${time} ${level} ${head}${tail}${stackLines}\n`;
}

function textValue(value: unknown, key: string, stacks: string[]): string {
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (isErrorRecord(value)) {
    if (typeof value.stack === 'string') stacks.push(value.stack);
    const code = value.code === undefined ? '' : ` (${String(value.code)})`;
    const cause = value.cause === undefined ? '' : `; cause: ${typeof value.cause === 'string' ? value.cause : textValue(value.cause, key, stacks)}`;
    return quoted(`${value.type}: ${value.message}${code}${cause}`);
  }
  return JSON.stringify(value);
}

/** A scrubbed error as scrub.ts writes it. */
function isErrorRecord(value: unknown): value is { type: string; message: string; code?: unknown; stack?: unknown; cause?: unknown } {
  const record = value as { type?: unknown; message?: unknown } | null;
  return typeof record === 'object' && record !== null && typeof record.type === 'string' && typeof record.message === 'string';
}

/** Bare when it reads unambiguously, JSON-quoted when it holds spaces, quotes, `=` or control characters. */
function quoted(text: string): string {
  return text !== '' && /^[^\s"=\\\p{C}]+$/u.test(text) ? text : JSON.stringify(text);
}
