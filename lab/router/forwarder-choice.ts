/**
 * Which forwarding path a lab's routers use: the C forwarder (lab/router-c/gre-forward.c) wherever it
 * builds, else the Node router, with the reason kept so `lab up` can say why and `lab status` can show
 * it. `PATHMON_LAB_ROUTER=node` forces the Node router; `PATHMON_LAB_ROUTER=c` insists on C and fails
 * when it does not build, since whoever set it wants the C path's timing and would be misled by a
 * silent fallback.
 *
 * Why C by default: the Node router learns of a packet only when its event loop runs, so on a busy
 * machine a probe can wait milliseconds in a router for no reason the network has; the C path waits in
 * ppoll and is woken by the packet itself. The choice is made once per lab (building the binary is
 * the slow part), then handed to every router process through its environment.
 */
import { NativeHelperError } from '../../probes/transport/native-helper.js';

export type ForwarderChoice =
  | { kind: 'c'; binary: string }
  | {
      kind: 'node';
      /** Why not C: forced by the environment, or why the C forwarder did not build. */
      reason: string;
      /** true when C was the default and could not be used (worth a warning), false when forced. */
      fallback: boolean;
    };

/** Environment variable naming the forwarding path; values `c`, `node`, or unset for C-where-it-builds. */
export const FORWARDER_SETTING = 'PATHMON_LAB_ROUTER';
/** Environment variable through which `lab up` hands the built C forwarder to each router process. */
export const FORWARDER_BINARY = 'PATHMON_LAB_GRE_FORWARD';

/**
 * The forwarding path for `setting` (the value of PATHMON_LAB_ROUTER). `buildC` returns the C
 * forwarder's binary or throws NativeHelperError when it cannot be built (no compiler, no source);
 * any other error is a real failure and is thrown as it is.
 */
export function chooseForwarder(setting: string | undefined, buildC: () => string): ForwarderChoice {
  const value = setting?.trim().toLowerCase() ?? '';
  if (value === 'node') return { kind: 'node', reason: `${FORWARDER_SETTING}=node`, fallback: false };
  if (value !== '' && value !== 'c') {
    throw new Error(`lab.chooseForwarder: ${FORWARDER_SETTING} is ${JSON.stringify(setting)}; expected "c", "node" or unset (C where it builds)`);
  }
  try {
    return { kind: 'c', binary: buildC() };
  } catch (error) {
    if (!(error instanceof NativeHelperError)) throw error;
    if (value === 'c') {
      throw new Error(`lab.chooseForwarder: ${FORWARDER_SETTING}=c but the C forwarder cannot be used: ${error.reason}; expected it to build, or ${FORWARDER_SETTING}=node`);
    }
    return { kind: 'node', reason: `the C forwarder did not build: ${error.reason}`, fallback: true };
  }
}

/** One line for people: which path forwards, and why when it is not C. */
export function describeForwarder(choice: ForwarderChoice): string {
  return choice.kind === 'c' ? `routers forward in C (${choice.binary})` : `routers forward in Node (${choice.reason})`;
}
