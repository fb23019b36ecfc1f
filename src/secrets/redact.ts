/**
 * Scrubs every secret value pathmon has resolved from any text before it is logged, printed, stored or
 * thrown. A process-wide registry is the point: a secret can reach a message through paths nobody
 * foresaw (an HTTP library echoing a header, a driver quoting its connection string), and one scrubber
 * that knows every value catches them all. Derived forms (the Basic-auth base64, URL-encoding) are
 * registered beside the raw value for the same reason.
 */

const secretValues = new Set<string>();
let longestFirst: string[] = [];

export const redactedMark = '[redacted]';

/** Adds a value (and derived forms the caller knows of) to the set the scrubber removes. */
export function registerSecretValue(value: string): void {
  if (value.length === 0 || secretValues.has(value)) return;
  secretValues.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) secretValues.add(encoded);
  // Longest first so a secret that contains another is removed whole.
  longestFirst = [...secretValues].sort((a, b) => b.length - a.length);
}

/** The text with every registered secret value replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const value of longestFirst) {
    if (out.includes(value)) out = out.split(value).join(redactedMark);
  }
  // Credentials in a URL (postgres://user:pw@host) are secrets even if nobody registered them.
  return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${redactedMark}@`);
}

/**
 * One line for an error of any kind, scrubbed: `Name: message`. Never the stack or the object's other
 * fields, which for HTTP clients include request headers.
 */
export function redactError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return redactSecrets(`${name}${error.message}`);
  }
  return redactSecrets(String(error));
}
