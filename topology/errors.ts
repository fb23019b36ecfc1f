/**
 * Typed errors for topology input and path questions. Tests check the class and `code`, never the text;
 * the text starts with `module.function:` and names the bad value and what was expected.
 */

export type TopologyErrorCode = 'malformed-input' | 'unknown-format' | 'unknown-node' | 'no-path' | 'unaddressable-path' | 'invalid-option' | 'invalid-walk';

/**
 * The topology library's one error class. Besides `code` it carries `exitCode` and `isPathmonError`,
 * the properties of the application's error base, so the CLI reports it like its own without this
 * library importing the application.
 */
export class TopologyError extends Error {
  override name = 'TopologyError';
  readonly exitCode: number = 1;
  readonly isPathmonError = true as const;
  constructor(
    readonly code: TopologyErrorCode,
    message: string,
    /** Where in the input: a file name, a line number, a YAML path. */
    readonly where?: string,
  ) {
    super(message);
  }
}
