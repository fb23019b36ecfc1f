/**
 * Errors of the target probe kinds. A missing privilege is its own class because it has one fix the
 * operator must apply (a capability or a sysctl), spelled out in `hint`; everything else about a target
 * (a bad address, a port out of range) is a TargetProbeError naming the field and the value.
 */
import { ProbesError } from '../errors.js';

export class TargetProbeError extends ProbesError {
  override name = 'TargetProbeError';
  readonly code = 'invalid-target';
}

export class ProbePermissionError extends ProbesError {
  override name = 'ProbePermissionError';
  readonly code = 'probe-permission';
  constructor(
    message: string,
    /** What to grant, as commands and unit-file lines an operator can paste. */
    readonly hint: string,
  ) {
    // The CLI prints `hint` on its own line after the message, as for every pathmon error.
    super(message);
  }
}

/** The target-io helper failed to start or died for a reason other than privilege. */
export class TargetIoError extends ProbesError {
  override name = 'TargetIoError';
  readonly code = 'probe-helper';
}
