/**
 * The base of every error pathmon raises on purpose: a machine-readable `code` callers branch on, the
 * exit status the CLI ends with (2 for bad usage, 1 for everything else) and an optional `hint` on what
 * to do about it. The CLI turns any such error into a message and an exit status by these properties
 * alone, so it needs no list of classes and loads none of their (often heavy) modules to report one.
 *
 * The libraries (probes/, topology/) cannot import the application, so their errors carry the same
 * properties from bases of their own; `isPathmonError` recognises an error by its shape, whichever base
 * it came from.
 */

/** Exit status of a command given bad arguments or options. */
export const USAGE_EXIT_CODE = 2;
/** Exit status of a command that failed for any other reason. */
export const FAILURE_EXIT_CODE = 1;

export interface PathmonErrorOptions {
  /** Default 1; 2 for bad usage. */
  exitCode?: number;
  /** One sentence on what to do, printed after the message. */
  hint?: string;
  cause?: unknown;
}

export abstract class PathmonError extends Error {
  /** Stable and machine-readable (`bad-location`, `usage`); tests and callers check this, never the text. */
  abstract readonly code: string;
  readonly exitCode: number;
  readonly hint: string | undefined;
  /** The mark `isPathmonError` looks for; the libraries' bases set it too. */
  readonly isPathmonError = true as const;

  constructor(message: string, options: PathmonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? FAILURE_EXIT_CODE;
    this.hint = options.hint;
  }
}

/** What the CLI reads from an error raised on purpose, by pathmon or one of its libraries. */
export interface PathmonErrorShape {
  readonly name: string;
  readonly message: string;
  readonly code: string;
  readonly exitCode: number;
  readonly hint?: string | undefined;
  readonly isPathmonError: true;
}

/** True for an error raised on purpose (a PathmonError or a library error of the same shape). */
export function isPathmonError(value: unknown): value is PathmonErrorShape {
  if (!(value instanceof Error)) return false;
  const candidate = value as Error & Partial<Record<'code' | 'exitCode' | 'isPathmonError' | 'hint', unknown>>;
  return (
    candidate.isPathmonError === true &&
    typeof candidate.code === 'string' &&
    typeof candidate.exitCode === 'number' &&
    Number.isInteger(candidate.exitCode) &&
    candidate.exitCode > 0 &&
    (candidate.hint === undefined || typeof candidate.hint === 'string')
  );
}
