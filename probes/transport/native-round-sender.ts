/**
 * Sends rounds through the probe-tx helper (probes/native/probe-tx.c): the engine hands a whole round
 * over in one pipe write (every path's prebuilt probe, the count and interval), and the helper paces,
 * stamps and sends each probe with its own sendto(), reporting each send time back in 16-byte
 * records. Sending then costs the event loop nothing per probe, so the engine's thread is left for
 * matching replies; that is what took pathmon past 100,000 probes/s on the bench where the direct
 * raw-socket send stopped at ~80,000 (test/bench/results/engine.json).
 *
 * Single probes (signed ones, whose HMAC tag only Node computes, and the self-calibration) still go
 * through a RawIpv4Sender. One round at a time: the engine never overlaps rounds on one sender.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { constants } from 'node:os';
import { parseAddress } from '../codec/ipv4.js';
import { nativeHelperPath } from './native-helper.js';
import { RawIpv4Sender } from './raw-ipv4-sender.js';
import type { ProbeSender, RoundPlan } from './transport.js';

const MAGIC = 0x31585450;
const RECORD_BYTES = 16;
const END_SLOT = 0xffffffff;

const errnoNames = new Map(Object.entries(constants.errno).map(([name, code]) => [code, name]));

export class NativeRoundSender implements ProbeSender {
  readonly sendErrors: Record<string, number> = {};
  private readonly single = new RawIpv4Sender();
  private carry: Buffer | undefined;
  private current: { onSent: (slot: number, sentNs: bigint, errorCode?: string) => void; done: (sent: number) => void; fail: (error: Error) => void } | undefined;
  private exited: Error | undefined;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    rest: Buffer,
    stderr: () => string,
  ) {
    child.stdout.on('data', (chunk: Buffer) => this.consume(chunk));
    child.once('exit', (code, signal) => {
      this.exited = new Error(`probes.NativeRoundSender: probe-tx exited with ${code ?? signal}: ${stderr().trim()}`);
      this.current?.fail(this.exited);
    });
    child.stdin.on('error', () => {}); // EPIPE after an exit: reported through 'exit'
    if (rest.length > 0) this.consume(rest);
  }

  /** Starts the helper (building it with cc on first use; NativeHelperError if that fails). */
  static async start(): Promise<NativeRoundSender> {
    const child = spawn(nativeHelperPath('probe-tx'), [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const rest = await new Promise<Buffer>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const newline = head.indexOf(10);
        if (newline < 0) return;
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        const line = head.subarray(0, newline).toString();
        if (line !== 'ready') return reject(new Error(`probes.NativeRoundSender.start: probe-tx said ${JSON.stringify(line)}, expected "ready"`));
        resolve(head.subarray(newline + 1));
      };
      const onExit = (code: number | null) => reject(new Error(`probes.NativeRoundSender.start: probe-tx exited with ${code}: ${stderr.trim()}`));
      child.stdout.on('data', onData);
      child.once('exit', onExit);
    });
    return new NativeRoundSender(child, rest, () => stderr);
  }

  send(packet: Buffer, firstHop: string, stamp: () => void): void {
    this.single.send(packet, firstHop, stamp);
  }

  sendRound(plan: RoundPlan, onSent: (slot: number, sentNs: bigint, errorCode?: string) => void): Promise<number> {
    if (this.exited) return Promise.reject(this.exited);
    if (this.current) return Promise.reject(new Error('probes.NativeRoundSender.sendRound: a round is already being sent; expected one at a time'));
    const intervalNs = BigInt(Math.round(plan.intervalMs * 1e6));
    const header = Buffer.alloc(24);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(plan.paths.length, 4);
    header.writeUInt32LE(plan.count, 8);
    header.writeBigUInt64LE(intervalNs, 16);
    const parts: Buffer[] = [header];
    for (const path of plan.paths) {
      const head = Buffer.alloc(12);
      head.writeUInt32BE(parseAddress(path.firstHop, 'firstHop'), 0);
      head.writeUInt16LE(path.packet.length, 4);
      head.writeUInt16LE(path.sequenceAt, 6);
      head.writeUInt16LE(path.checksumAt, 8);
      parts.push(head, path.packet);
    }
    return new Promise<number>((resolve, reject) => {
      this.current = {
        onSent,
        done: (sent) => {
          this.current = undefined;
          resolve(sent);
        },
        fail: (error) => {
          this.current = undefined;
          reject(error);
        },
      };
      this.child.stdin.write(Buffer.concat(parts));
    });
  }

  close(): void {
    this.single.close();
    this.child.stdin.end();
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
      const slot = data.readUInt32LE(at);
      const errno = data.readUInt32LE(at + 4);
      if (slot === END_SLOT) {
        this.current?.done(errno);
        continue;
      }
      const sentNs = data.readBigUInt64LE(at + 8);
      if (errno === 0) {
        this.current?.onSent(slot, sentNs);
      } else {
        const code = errnoNames.get(errno) ?? `errno ${errno}`;
        this.sendErrors[code] = (this.sendErrors[code] ?? 0) + 1;
        this.current?.onSent(slot, sentNs, code);
      }
    }
    if (whole < data.length) this.carry = Buffer.from(data.subarray(whole));
  }
}
