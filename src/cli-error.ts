/**
 * Errors as the person at the terminal sees them. CliError is an error written for the terminal
 * ("pathmon probe: ..."); `cliErrorReport` turns any error into the text and exit status the CLI ends
 * with. Errors raised on purpose (see pathmon-error.ts) are shown by their message and hint; anything
 * else is a bug, shown as one line unless the log level asks for the stack. All of it is scrubbed of
 * secrets, because an error can quote a connection string or a request header.
 */
import { FAILURE_EXIT_CODE, isPathmonError, PathmonError, USAGE_EXIT_CODE } from './pathmon-error.js';
import { redactError, redactSecrets } from './secrets/redact.js';

/** An error meant for the person at the terminal: printed as is, exit status 1 (2 for bad usage). */
export class CliError extends PathmonError {
  override name = 'CliError';
  readonly code: 'usage' | 'command-failed';
  constructor(message: string, exitCode = FAILURE_EXIT_CODE, hint?: string) {
    super(message, { exitCode, ...(hint === undefined ? {} : { hint }) });
    this.code = exitCode === USAGE_EXIT_CODE ? 'usage' : 'command-failed';
  }
}

export interface CliErrorReport {
  exitCode: number;
  /** One line (two with a hint, more with a stack), scrubbed, without the trailing newline. */
  text: string;
  /** The same as structured fields, for a JSON log line: `msg` is `text`'s first line. */
  msg: string;
  fields: Record<string, unknown>;
}

/**
 * How the CLI reports `error`: `stack` adds the stack of an unexpected error (the CLI passes true at
 * log level debug or trace). Messages that already start with the program's name ("pathmon run: ...")
 * are shown as they are; module messages ("store.openStore: ...") get a `pathmon: ` in front.
 */
export function cliErrorReport(error: unknown, options: { stack: boolean }): CliErrorReport {
  if (isPathmonError(error)) {
    const message = redactSecrets(error.message);
    const msg = /^pathmon\b/.test(message) ? message : `pathmon: ${message}`;
    const hint = error.hint === undefined ? undefined : redactSecrets(error.hint);
    return {
      exitCode: error.exitCode,
      msg,
      text: hint === undefined ? msg : `${msg}\nhint: ${hint}`,
      fields: { code: error.code, exitCode: error.exitCode, errorName: error.name, ...(hint === undefined ? {} : { hint }) },
    };
  }
  const msg = `pathmon: unexpected error: ${redactError(error)}`;
  const stack = options.stack && error instanceof Error && error.stack ? redactSecrets(error.stack) : undefined;
  return {
    exitCode: FAILURE_EXIT_CODE,
    msg,
    text: stack ? `${msg}\n${stack}` : `${msg}\n(a bug in pathmon; run again with --log-level debug for the stack)`,
    fields: { code: 'unexpected', exitCode: FAILURE_EXIT_CODE, ...(stack ? { stack } : {}) },
  };
}
