/**
 * Two helpers every source needs when it handles input it does not trust: a plain-object test and a
 * short, never-throwing rendering of a value for error messages (messages name the bad value, but a
 * megabyte of it in a log line helps nobody).
 */

/** True for a non-null, non-array object, i.e. what a JSON or YAML mapping parses to. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, never-throwing rendering of an input value for messages. */
export function show(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  text ??= String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
