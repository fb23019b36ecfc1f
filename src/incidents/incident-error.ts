/**
 * The one error class the incident evaluators throw. They take plain data from the monitor, the
 * estimator and the store; a value they cannot judge (a loss ratio of 1.4, hysteresis of 0 rounds, a
 * round earlier than the last one) is a bug upstream, and the message names it and what was expected.
 * Callers branch on `code`, never on the text.
 */

import { PathmonError } from '../pathmon-error.js';

export type IncidentErrorCode =
  /** A round's input is malformed: a threshold, an estimate, a time. */
  | 'invalid-input'
  /** resume() was handed records it cannot continue (two open incidents for one subject, …). */
  | 'invalid-resume';

export class IncidentError extends PathmonError {
  override name = 'IncidentError';
  constructor(
    readonly code: IncidentErrorCode,
    message: string,
  ) {
    super(message);
  }
}
