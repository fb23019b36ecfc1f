/**
 * Receives returning probes through the probe-rx helper (probes/native/probe-rx.c): a UDP socket with
 * SO_TIMESTAMPNS, read with recvmmsg in its own process, so each reply carries the time the kernel
 * queued it, not the time this event loop got round to it, and receiving never competes with sending
 * for this thread. The bench compares this with the dgram receiver (README "Accuracy"); the data chose
 * it as the default wherever the helper can be built.
 *
 * The helper writes fixed 64-byte records; a chunk from the pipe may end mid-record, so the tail is
 * carried over. The payload handed on is a view into the chunk, valid for the handler's call only.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { nativeHelperPath } from './native-helper.js';
import type { ProbeReceiver } from './transport.js';

const RECORD_BYTES = 64;
const DATA_BYTES = 48;

export class KernelStampedReceiver implements ProbeReceiver {
  readonly receiveTimestamp = 'kernel';
  private handler: (payload: Buffer, receivedNs: bigint) => void = () => {};
  private carry: Buffer | undefined;
  /** Replies the kernel gave no timestamp for (stamped on arrival in the helper instead). */
  unstamped = 0;
  received = 0;

  private constructor(
    private readonly child: ChildProcessByStdio<null, Readable, Readable>,
    readonly port: number,
    rest: Buffer,
  ) {
    child.stdout.on('data', (chunk: Buffer) => this.consume(chunk));
    if (rest.length > 0) this.consume(rest);
  }

  /** Starts the helper bound to `address:port` (port 0 picks a free one) and waits until it listens. */
  static async start(address: string, port = 0): Promise<KernelStampedReceiver> {
    const binary = nativeHelperPath('probe-rx');
    const child = spawn(binary, [address, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const { boundPort, rest } = await new Promise<{ boundPort: number; rest: Buffer }>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const newline = head.indexOf(10);
        if (newline < 0) return;
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        const match = /^port (\d+)$/.exec(head.subarray(0, newline).toString());
        if (!match) return reject(new Error(`probes.KernelStampedReceiver.start: helper said ${JSON.stringify(head.subarray(0, newline).toString())}, expected "port N"`));
        resolve({ boundPort: Number(match[1]), rest: head.subarray(newline + 1) });
      };
      const onExit = (code: number | null) => reject(new Error(`probes.KernelStampedReceiver.start: probe-rx on ${address}:${port} exited with ${code}: ${stderr.trim()}`));
      child.stdout.on('data', onData);
      child.once('exit', onExit);
    });
    return new KernelStampedReceiver(child, boundPort, rest);
  }

  onPayload(handler: (payload: Buffer, receivedNs: bigint) => void): void {
    this.handler = handler;
  }

  close(): void {
    this.child.stdout.destroy();
    this.child.kill('SIGTERM');
  }

  private consume(chunk: Buffer): void {
    let data = chunk;
    if (this.carry) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    const whole = data.length - (data.length % RECORD_BYTES);
    for (let at = 0; at < whole; at += RECORD_BYTES) {
      const length = data.readUInt32LE(at);
      if (data.readUInt32LE(at + 4) !== 0) this.unstamped++;
      this.received++;
      this.handler(data.subarray(at + 16, at + 16 + Math.min(length, DATA_BYTES)), data.readBigUInt64LE(at + 8));
    }
    if (whole < data.length) this.carry = Buffer.from(data.subarray(whole));
  }
}
