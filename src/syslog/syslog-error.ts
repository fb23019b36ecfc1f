/**
 * The syslog receiver's one error class: start-up refusals (a listen address that cannot be bound, a
 * TLS certificate that cannot be read). After start-up the receiver counts what goes wrong instead of
 * throwing: a sender's garbage must never stop it.
 */
import { PathmonError } from '../pathmon-error.js';

export type SyslogErrorCode = 'bad-config' | 'listen-failed';

export class SyslogError extends PathmonError {
  override name = 'SyslogError';
  constructor(
    readonly code: SyslogErrorCode,
    message: string,
  ) {
    super(message);
  }
}
