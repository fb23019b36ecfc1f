/**
 * The engine's side of the target-io helper (probes/native/target-io.c): queues probes as commands,
 * writes each burst to the helper in one pipe write, and parses the helper's records into send reports
 * (slot, send time, source port used, errno) and received packets with their kernel receive times.
 *
 * `TargetIo` is the interface the engine sees, so unit tests drive whole rounds through a fake network
 * on a fake clock; `HelperTargetIo` is the real one. Records are read from a stream, so a chunk may end
 * mid-record: the tail is carried over to the next chunk.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { formatAddress, parseAddress } from '../codec/ipv4.js';
import { nativeHelperPath } from '../transport/native-helper.js';
import type { ReceivedDatagram } from './kind-codec.js';
import { ProbePermissionError, TargetIoError } from './kind-errors.js';

export type TargetIoMode = 'icmp-raw' | 'icmp-dgram' | 'tcp' | 'udp';

export interface SendReport {
  slot: number;
  sentNs: bigint;
  /** The source port the probe left from (udp: the helper's ephemeral one when none was asked for). */
  sourcePort: number;
  /** errno name when the probe could not leave (counted as lost). */
  errorCode?: string;
}

export interface TargetIo {
  readonly mode: TargetIoMode;
  /** icmp-dgram: the echo identifier the kernel writes into every request. */
  readonly identifier?: number;
  /** Queues one probe; `report` false for untimed follow-ups (a TCP RST). Sent at the next `flush`. */
  queue(slot: number, destination: string, destinationPort: number, sourcePort: number, data: Buffer, report?: boolean): void;
  flush(): void;
  onSent(handler: (report: SendReport) => void): void;
  onReceive(handler: (datagram: ReceivedDatagram, receivedNs: bigint) => void): void;
  /**
   * Resolves once every packet the sockets held when it was called has been handed to `onReceive`:
   * a round ends on it, so a reply the kernel stamped in time is never lost to this process's own lag.
   * Optional: without it the round ends at its deadline.
   */
  sync?(): Promise<void>;
  close(): Promise<void>;
}

const COMMAND_HEAD = 16;
const RECORD_HEAD = 32;
const errnoNames = new Map(Object.entries(constants.errno).map(([name, code]) => [code, name]));

/** Exit status of target-io when the kernel refused the socket for lack of privilege. */
const EXIT_NO_PRIVILEGE = 3;

export class HelperTargetIo implements TargetIo {
  readonly identifier: number | undefined;
  private pending: Buffer[] = [];
  private carry: Buffer | undefined;
  private sent: (report: SendReport) => void = () => {};
  private received: (datagram: ReceivedDatagram, receivedNs: bigint) => void = () => {};
  private exited: Promise<void>;
  private syncs = new Map<number, () => void>();
  private nextSync = 0;
  /** Packets the kernel gave no timestamp for (stamped when the helper read them instead). */
  unstamped = 0;

  private constructor(
    readonly mode: TargetIoMode,
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    readyId: number,
    rest: Buffer,
  ) {
    this.identifier = mode === 'icmp-dgram' ? readyId : undefined;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        for (const done of this.syncs.values()) done();
        this.syncs.clear();
        resolve();
      }),
    );
    child.stdout.on('data', (chunk: Buffer) => this.consume(chunk));
    child.stdin.on('error', () => {}); // EPIPE after an exit: the round sees its probes lost
    if (rest.length > 0) this.consume(rest);
  }

  /**
   * Starts the helper in `mode`, bound to `sourceAddress` (0.0.0.0: the kernel chooses). Throws
   * ProbePermissionError when the socket needs a privilege this process lacks, TargetIoError otherwise,
   * NativeHelperError when the helper cannot be built.
   */
  static async start(mode: TargetIoMode, sourceAddress = '0.0.0.0'): Promise<HelperTargetIo> {
    const child = spawn(nativeHelperPath('target-io'), [mode, sourceAddress], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const { readyId, rest } = await new Promise<{ readyId: number; rest: Buffer }>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const newline = head.indexOf(10);
        if (newline < 0) return;
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        const line = head.subarray(0, newline).toString();
        const match = /^ready (\d+)$/.exec(line);
        if (!match) return reject(new TargetIoError(`probes.HelperTargetIo.start: target-io said ${JSON.stringify(line)}, expected "ready N"`));
        resolve({ readyId: Number(match[1]), rest: head.subarray(newline + 1) });
      };
      const onExit = (code: number | null) => {
        // Let stderr drain before reporting it.
        setImmediate(() => {
          const said = stderr.trim();
          if (code === EXIT_NO_PRIVILEGE) reject(new ProbePermissionError(`probes.HelperTargetIo.start: ${mode}: ${said}`, ''));
          else reject(new TargetIoError(`probes.HelperTargetIo.start: target-io ${mode} ${sourceAddress} exited with ${code}: ${said}`));
        });
      };
      child.stdout.on('data', onData);
      child.once('exit', onExit);
    });
    return new HelperTargetIo(mode, child, readyId, rest);
  }

  queue(slot: number, destination: string, destinationPort: number, sourcePort: number, data: Buffer, report = true): void {
    const head = Buffer.allocUnsafe(COMMAND_HEAD);
    head.writeUInt32LE(slot >>> 0, 0);
    head.writeUInt32BE(parseAddress(destination, 'destination'), 4);
    head.writeUInt16LE(destinationPort, 8);
    head.writeUInt16LE(sourcePort, 10);
    head.writeUInt16LE(data.length, 12);
    head.writeUInt16LE(report ? 0 : 1, 14);
    this.pending.push(head, data);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const batch = Buffer.concat(this.pending);
    this.pending = [];
    this.child.stdin.write(batch);
  }

  sync(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const token = this.nextSync++ >>> 0;
    const done = new Promise<void>((resolve) => this.syncs.set(token, resolve));
    const head = Buffer.alloc(COMMAND_HEAD);
    head.writeUInt32LE(token, 0);
    head.writeUInt16LE(2, 14);
    this.pending.push(head);
    this.flush();
    return done;
  }

  onSent(handler: (report: SendReport) => void): void {
    this.sent = handler;
  }

  onReceive(handler: (datagram: ReceivedDatagram, receivedNs: bigint) => void): void {
    this.received = handler;
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    await this.exited;
  }

  private consume(chunk: Buffer): void {
    let data = chunk;
    if (this.carry) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let at = 0;
    while (data.length - at >= RECORD_HEAD) {
      const captured = data.readUInt16LE(at + 2);
      const size = RECORD_HEAD + ((captured + 7) & ~7);
      if (data.length - at < size) break;
      const type = data[at]!;
      const flags = data[at + 1]!;
      const time = data.readBigUInt64LE(at + 8);
      if (type === 1) {
        const errno = data.readUInt32LE(at + 24);
        this.sent({
          slot: data.readUInt32LE(at + 4),
          sentNs: time,
          sourcePort: data.readUInt16LE(at + 22),
          ...(errno === 0 ? {} : { errorCode: errnoNames.get(errno) ?? `errno ${errno}` }),
        });
      } else if (type === 3) {
        const token = data.readUInt32LE(at + 4);
        this.syncs.get(token)?.();
        this.syncs.delete(token);
      } else if (type === 2) {
        if (flags & 2) this.unstamped++;
        this.received(
          {
            data: data.subarray(at + RECORD_HEAD, at + RECORD_HEAD + captured),
            withIpHeader: (flags & 1) !== 0,
            length: data.readUInt32LE(at + 4),
            fromAddress: formatAddress(data, at + 16),
            fromPort: data.readUInt16LE(at + 20),
            localPort: data.readUInt16LE(at + 22),
          },
          time,
        );
      }
      at += size;
    }
    if (at < data.length) this.carry = Buffer.from(data.subarray(at));
  }
}
