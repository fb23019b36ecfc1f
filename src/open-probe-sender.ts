/**
 * The sender the CLI and the monitor use, chosen in one place: the probe-tx helper, which paces, stamps
 * and sends whole rounds outside the event loop (the engine bench measured it ahead of sending from
 * Node under load), and the plain raw-socket sender where the helper cannot be used, with the reason
 * logged. "Cannot be used" includes a helper that builds but is refused the raw socket: a capability
 * given to the node binary with setcap is not inherited by the helper, while Node itself may still open
 * one. Either needs a raw socket, so the missing-privilege error names what to do.
 */
import { NativeRoundSender, RawIpv4Sender, type ProbeSender } from '../probes/index.js';
import { CliError } from './cli-error.js';

export type OpenedProbeSender = ProbeSender & { readonly sendErrors: Record<string, number> };

export async function openProbeSender(command: string, warn: (line: string) => void): Promise<OpenedProbeSender> {
  let helperProblem: string;
  try {
    return await NativeRoundSender.start();
  } catch (error) {
    if (error instanceof CliError) throw error;
    helperProblem = (error as Error).message;
  }
  let sender: RawIpv4Sender;
  try {
    sender = new RawIpv4Sender();
  } catch (error) {
    throw new CliError(
      `${command}: cannot open a raw socket (${(error as Error).message}): needs CAP_NET_RAW (run as root, or grant it: ` +
        'AmbientCapabilities=CAP_NET_RAW in the systemd unit, setpriv --ambient-caps +net_raw, or setcap cap_net_raw+ep on the node binary)',
    );
  }
  warn(`${command}: the probe-tx helper is unavailable (${helperProblem}); sending from Node instead`);
  return sender;
}
