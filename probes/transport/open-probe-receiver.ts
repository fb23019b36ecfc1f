/**
 * The receiver pathmon should use, chosen in one place: the kernel-stamped receiver (probe-rx helper)
 * wherever its helper can be built, because the bench measured it against dgram (README "Accuracy"),
 * and the dgram receiver where it cannot (no C compiler), with the reason logged once so an operator
 * knows their RTTs carry event-loop time. Any other failure (a bad address, a port in use) is not a
 * reason to fall back: it would fail the dgram socket too, so it is thrown as it is.
 */
import { KernelStampedReceiver } from './kernel-stamped-receiver.js';
import { NativeHelperError } from './native-helper.js';
import type { ProbeReceiver } from './transport.js';
import { UdpProbeReceiver } from './udp-receiver.js';

export interface OpenProbeReceiverOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where the fallback's reason goes; default: one line on stderr. */
  log?: (line: string) => void;
  /** For tests: how the kernel-stamped receiver is started. */
  startKernelStamped?: (address: string, port: number) => Promise<ProbeReceiver>;
}

export interface OpenedProbeReceiver {
  receiver: ProbeReceiver;
  /** 'kernel': receive times are the kernel's; 'event-loop': when Node handled the datagram. */
  timestamps: 'kernel' | 'event-loop';
  /** Why the kernel-stamped receiver was not used, when it was not. */
  fallbackReason?: string;
}

export async function openProbeReceiver(address: string, options: OpenProbeReceiverOptions = {}): Promise<OpenedProbeReceiver> {
  const port = options.port ?? 0;
  const start = options.startKernelStamped ?? ((a: string, p: number) => KernelStampedReceiver.start(a, p));
  try {
    return { receiver: await start(address, port), timestamps: 'kernel' };
  } catch (error) {
    if (!(error instanceof NativeHelperError)) throw error;
    const fallbackReason = error.message;
    (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
      `probes.openProbeReceiver: kernel receive timestamps unavailable (${fallbackReason}); using a dgram socket, so RTTs include the event loop's delay`,
    );
    return { receiver: await UdpProbeReceiver.bind(address, port), timestamps: 'event-loop', fallbackReason };
  }
}
