/**
 * Typed errors for secret resolution. The message names the reference (variable or file), never a value.
 */
import { PathmonError } from '../pathmon-error.js';

export type SecretErrorCode = 'missing-env' | 'empty' | 'unreadable-file';

export class SecretError extends PathmonError {
  override name = 'SecretError';
  constructor(
    readonly code: SecretErrorCode,
    /** "env NAME" or "file PATH". */
    readonly ref: string,
    message: string,
  ) {
    super(message);
  }
}
