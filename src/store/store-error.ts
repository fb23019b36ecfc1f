/**
 * The one error class the store throws. Callers (the CLI, the monitor, the writer) branch on `code`,
 * never on message text. `location` is always the redacted location, and every message that could
 * carry driver text is scrubbed of the password before it is built, so printing a StoreError is safe.
 */

import { PathmonError } from '../pathmon-error.js';

export type StoreErrorCode =
  /** The location string is neither `pglite:DIR`, a directory path nor `postgres://…`. */
  | 'bad-location'
  /** The database could not be reached or the connection broke. */
  | 'unreachable'
  /** The database's schema was written by a newer pathmon than this one. */
  | 'schema-too-new'
  /** A second open ticket for an incident subject that already has one. */
  | 'duplicate-open-ticket'
  /** A second open incident for a subject that already has one. */
  | 'duplicate-open-incident'
  /** A value the store cannot keep (bad schema name, non-finite time, …). */
  | 'bad-value'
  /** Any other failure of a statement. */
  | 'query-failed'
  /** The store or writer was used after close(). */
  | 'closed'
  /** A PGlite data directory another process (or another open in this one) holds; the message names its pid. */
  | 'in-use'
  /** A path that is not, and for this command cannot become, a PGlite data directory (missing, a file, on /proc, …). */
  | 'bad-data-dir';

export class StoreError extends PathmonError {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    /** The redacted location (`postgres://user@host/db`), safe to print. */
    readonly location: string,
    message: string,
  ) {
    super(message);
  }
}

/** Error codes (SQLSTATE classes and Node socket codes) that mean "the server is not there right now". */
const UNREACHABLE_SQLSTATE_PREFIXES = ['08', '57P01', '57P02', '57P03', '53300'];
const UNREACHABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNREACHABLE_TEXT =
  /connection terminated|timeout exceeded when trying to connect|query read timeout|not queryable|server closed the connection|client has encountered a connection error|connection ended/i;

/** True when `err` (from pg or PGlite) says the database is unreachable rather than the statement wrong. */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof StoreError) return err.code === 'unreachable';
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (UNREACHABLE_NODE_CODES.has(code)) return true;
  if (UNREACHABLE_SQLSTATE_PREFIXES.some((p) => code.startsWith(p))) return true;
  return typeof e?.message === 'string' && UNREACHABLE_TEXT.test(e.message);
}

/** The driver's message with every occurrence of each secret replaced, cut to a readable length. */
export function scrubbedMessage(err: unknown, secrets: readonly string[]): string {
  let text = err instanceof Error ? err.message : String(err);
  for (const secret of secrets) {
    if (secret.length > 0) text = text.split(secret).join('***');
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
