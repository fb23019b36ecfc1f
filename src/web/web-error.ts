/**
 * The web server's one error class. Start-up refusals (a listen address beyond localhost without a
 * token, an unparsable address) are thrown as WebError so `pathmon run` can print them as they are;
 * bad API input becomes an ApiInputError, answered with HTTP 400 and never thrown past the handler.
 */
import { PathmonError } from '../pathmon-error.js';

export type WebErrorCode = 'bad-listen' | 'token-required' | 'weak-token' | 'listen-failed';

export class WebError extends PathmonError {
  override name = 'WebError';
  constructor(
    readonly code: WebErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One bad query or path parameter: the 400 answer names it and says what was expected. */
export class ApiInputError extends PathmonError {
  override name = 'ApiInputError';
  readonly code = 'bad-api-input';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** A well-formed request for something that does not exist: answered with HTTP 404. */
export class NotFound extends PathmonError {
  override name = 'NotFound';
  readonly code = 'not-found';
}
