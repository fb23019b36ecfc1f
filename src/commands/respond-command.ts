/**
 * `pathmon respond`: the far end of the udp probe kind, run where the target is. A small UDP echo
 * server (probes' UdpResponder): it returns well-formed pathmon probes to their sender unchanged and
 * counts and drops everything else, keeping no state per client and echoing at most a set rate. Runs
 * until stopped; the counts go to stderr every `--report-every-s` seconds and once at the end.
 */
import { isIPv4 } from 'node:net';
import { UdpResponder } from '../../probes/index.js';
import { CliError } from '../cli-error.js';

export interface RespondOptions {
  bind: string;
  port: number;
  maxRate: number;
  reportEveryS?: number;
}

export async function respondCommand(options: RespondOptions, err: NodeJS.WritableStream, stop: AbortSignal): Promise<number> {
  if (!isIPv4(options.bind)) throw new CliError(`pathmon respond: --bind ${JSON.stringify(options.bind)} is not an IPv4 address; expected e.g. 0.0.0.0`, 2);
  let responder: UdpResponder;
  try {
    responder = await UdpResponder.bind({ address: options.bind, port: options.port, maxEchoesPerSecond: options.maxRate });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliError(`pathmon respond: cannot listen on ${options.bind}:${options.port} (${code})`);
  }
  const counts = () => `echoed ${responder.counts.echoed}, malformed ${responder.counts.malformed}, over rate ${responder.counts.rateLimited}`;
  err.write(`pathmon respond: listening on ${options.bind}:${responder.port} (udp), echoing at most ${options.maxRate} probes/s\n`);
  const timer = options.reportEveryS ? setInterval(() => err.write(`pathmon respond: ${counts()}\n`), options.reportEveryS * 1000) : undefined;
  try {
    await new Promise<void>((resolve) => {
      if (stop.aborted) return resolve();
      stop.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    if (timer) clearInterval(timer);
    await responder.close();
  }
  err.write(`pathmon respond: stopped; ${counts()}\n`);
  return 0;
}
