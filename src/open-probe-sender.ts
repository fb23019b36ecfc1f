/**
 * The sender the CLI and the monitor use, chosen in one place: the probe-tx helper, which paces, stamps
 * and sends whole rounds outside the event loop (the engine bench measured it ahead of sending from
 * Node under load), and the plain raw-socket sender where the helper cannot be built, with the reason
 * logged. Either needs a raw socket, so the missing-privilege error names what to do.
 */
import { NativeHelperError, NativeRoundSender, RawIpv4Sender, type ProbeSender } from '../probes/index.js';
import { CliError } from './cli-error.js';

export type OpenedProbeSender = ProbeSender & { readonly sendErrors: Record<string, number> };

export async function openProbeSender(command: string, warn: (line: string) => void): Promise<OpenedProbeSender> {
  try {
    try {
      return await NativeRoundSender.start();
    } catch (error) {
      if (!(error instanceof NativeHelperError)) throw error;
      warn(`${command}: the probe-tx helper is unavailable (${error.message}); sending from Node instead`);
      return new RawIpv4Sender();
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${command}: cannot open a raw socket (${(error as Error).message}); expected to run as root or with CAP_NET_RAW, on the prober`);
  }
}
