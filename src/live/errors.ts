/**
 * The one error type of live topology: a bad `--topology` spec, an unreadable file, an ExaBGP that
 * cannot be started, or no End-of-RIB within the wait. A PathmonError, so the CLI prints the message
 * without a stack, and tests check `code` rather than the text.
 */
import { PathmonError } from '../pathmon-error.js';

export type TopologySourceErrorCode = 'bad-spec' | 'unreadable' | 'bad-exabgp-config' | 'exabgp-start' | 'not-ready' | 'closed' | 'bad-host' | 'host-clash';

export class TopologySourceError extends PathmonError {
  override name = 'TopologySourceError';
  constructor(
    readonly code: TopologySourceErrorCode,
    message: string,
    readonly spec: string,
  ) {
    super(message);
  }
}
