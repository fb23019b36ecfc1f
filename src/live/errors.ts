/**
 * The one error type of live topology: a bad `--topology` spec, an unreadable file, an ExaBGP that
 * cannot be started, or no End-of-RIB within the wait. It extends CliError so the CLI prints the
 * message as it is, without a stack, and tests check `code` rather than the text.
 */
import { CliError } from '../cli-error.js';

export type TopologySourceErrorCode = 'bad-spec' | 'unreadable' | 'bad-exabgp-config' | 'exabgp-start' | 'not-ready' | 'closed' | 'bad-host' | 'host-clash';

export class TopologySourceError extends CliError {
  override name = 'TopologySourceError';
  constructor(
    readonly code: TopologySourceErrorCode,
    message: string,
    readonly spec: string,
  ) {
    super(message);
  }
}
