/**
 * The one error a monitor config can raise. `path` is the YAML path of the first problem
 * (`probing.timeoutMs`), `where` adds the file and line, so a caller can point an editor at it; the
 * message lists every problem found, each naming the field, the value and what was expected.
 */
import { PathmonError } from '../pathmon-error.js';

export class ConfigError extends PathmonError {
  override name = 'ConfigError';
  readonly code = 'invalid-config';
  constructor(
    message: string,
    /** YAML path of the first problem, `(top level)` for the document itself. */
    readonly path: string,
    /** `FILE:LINE PATH` of the first problem, or `FILE` when no line is known. */
    readonly where: string,
  ) {
    super(message);
  }
}
