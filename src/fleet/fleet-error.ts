/**
 * The one error class the fleet throws. Callers branch on `code`, never on message text; messages start
 * with `fleet.function:` and say what was found and what was expected.
 */
import { PathmonError } from '../pathmon-error.js';

export type FleetErrorCode =
  /** Another live agent holds this agent id (a second process, or a copied machine id). */
  | 'duplicate-agent'
  /** The database's schema is newer than this agent's pathmon. */
  | 'schema-too-old'
  /** The fleet needs a PostgreSQL server; the store is embedded PGlite. */
  | 'not-a-server'
  /** The agent row belongs to another database role, or the login is not the configured role. */
  | 'wrong-role'
  /** This agent's registration was taken over after it expired (it was silent past its hold time). */
  | 'registration-lost'
  /** A value the fleet cannot keep (bad name, role, work item). */
  | 'bad-value'
  /** Used after close(). */
  | 'closed';

export class FleetError extends PathmonError {
  override name = 'FleetError';
  constructor(
    readonly code: FleetErrorCode,
    message: string,
  ) {
    super(message);
  }
}
