/** An error meant for the person at the terminal: printed as is, exit status 1 (2 for bad usage). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
