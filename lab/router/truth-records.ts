/**
 * The lab's ground truth for accuracy measurements: for every pathmon probe a router forwards, what it
 * actually did to it. `appliedDelayNs` is the impairment delay plus how late the delay queue released
 * the packet (timer granularity is the lab's, so it belongs to the truth, never to the network's error);
 * `holdNs` is the whole time the packet spent in the router process, receive to send, so the router's
 * own processing (holdNs - appliedDelayNs) can be reported apart from the network.
 *
 * Recording is off unless the lab's state directory has a `truth/` folder when the router starts or
 * reloads (SIGHUP); a bench creates it. Records are 32 bytes, little-endian, appended to
 * truth/NODE.bin in 64 KiB batches:
 *   u32 session | u32 path | u32 sequence | u32 reserved | f64 appliedDelayNs | f64 holdNs
 * At most `maxRecords` are written per router process, so a forgotten switch cannot fill the disk.
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProbePacket } from '../../probes/nested-gre.js';
import { decode as decodeIpv4, PROTOCOL_GRE, PROTOCOL_UDP } from '../../probes/codec/ipv4.js';
import { decode as decodeUdp, HEADER_LENGTH as UDP_HEADER_LENGTH } from '../../probes/codec/udp.js';
import { decode as decodePayload } from '../../probes/codec/probe-payload.js';

export const TRUTH_RECORD_BYTES = 32;
const BATCH_RECORDS = 2048;

export interface ProbeIdentityKey {
  sessionId: number;
  pathId: number;
  sequence: number;
}

/** The probe a forwarded packet carries at its core, or undefined for anything else. */
export function probeIdentity(packet: Buffer): ProbeIdentityKey | undefined {
  try {
    const outer = decodeIpv4(packet, 0);
    if (outer.protocol === PROTOCOL_GRE) return decodeProbePacket(packet).payload;
    if (outer.protocol !== PROTOCOL_UDP) return undefined;
    const datagram = packet.subarray(0, outer.totalLength);
    decodeUdp(datagram, outer.headerLength);
    return decodePayload(datagram, outer.headerLength + UDP_HEADER_LENGTH);
  } catch {
    return undefined;
  }
}

export function truthDir(stateDir: string): string {
  return join(stateDir, 'truth');
}

export class TruthRecorder {
  private fd: number | undefined;
  private readonly batch = Buffer.alloc(BATCH_RECORDS * TRUTH_RECORD_BYTES);
  private used = 0;
  written = 0;

  constructor(
    private readonly file: string,
    private readonly maxRecords = 5_000_000,
  ) {}

  get enabled(): boolean {
    return this.fd !== undefined;
  }

  /** Opens the file for appending when its folder exists, closes it when the folder is gone. */
  refresh(): void {
    const want = existsSync(join(this.file, '..'));
    if (want && this.fd === undefined) this.fd = openSync(this.file, 'a');
    if (!want && this.fd !== undefined) this.close();
  }

  record(packet: Buffer, appliedDelayNs: number, holdNs: number): void {
    if (this.fd === undefined || this.written >= this.maxRecords) return;
    const id = probeIdentity(packet);
    if (!id) return;
    const at = this.used * TRUTH_RECORD_BYTES;
    this.batch.writeUInt32LE(id.sessionId, at);
    this.batch.writeUInt32LE(id.pathId, at + 4);
    this.batch.writeUInt32LE(id.sequence, at + 8);
    this.batch.writeUInt32LE(0, at + 12);
    this.batch.writeDoubleLE(appliedDelayNs, at + 16);
    this.batch.writeDoubleLE(holdNs, at + 24);
    this.written++;
    if (++this.used === BATCH_RECORDS) this.flush();
  }

  flush(): void {
    if (this.fd === undefined || this.used === 0) return;
    writeSync(this.fd, this.batch, 0, this.used * TRUTH_RECORD_BYTES);
    this.used = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** What all routers together did to one probe. */
export interface ProbeTruth {
  /** Sum over the routers that delayed it. */
  appliedDelayNs: number;
  /** Sum over every router it crossed. */
  holdNs: number;
  /** Router hops recorded for it. */
  hops: number;
}

export interface LabTruth {
  /** Keyed `session:path:sequence`. */
  probes: Map<string, ProbeTruth>;
  /** Each router's per-hop processing time (holdNs - appliedDelayNs), one entry per forwarded probe. */
  routerOverheadNs: Map<string, Float64Array>;
}

export const truthKey = (sessionId: number, pathId: number, sequence: number) => `${sessionId}:${pathId}:${sequence}`;

/** Reads every router's truth file in the lab state directory `stateDir`; trailing partial records are ignored. */
export function readTruthRecords(stateDir: string): LabTruth {
  const dir = truthDir(stateDir);
  const probes = new Map<string, ProbeTruth>();
  const routerOverheadNs = new Map<string, Float64Array>();
  if (!existsSync(dir)) return { probes, routerOverheadNs };
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.bin'))) {
    const data = readFileSync(join(dir, name));
    const count = Math.floor(data.length / TRUTH_RECORD_BYTES);
    const overhead = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const at = i * TRUTH_RECORD_BYTES;
      const key = truthKey(data.readUInt32LE(at), data.readUInt32LE(at + 4), data.readUInt32LE(at + 8));
      const applied = data.readDoubleLE(at + 16);
      const hold = data.readDoubleLE(at + 24);
      overhead[i] = hold - applied;
      const truth = probes.get(key) ?? { appliedDelayNs: 0, holdNs: 0, hops: 0 };
      truth.appliedDelayNs += applied;
      truth.holdNs += hold;
      truth.hops++;
      probes.set(key, truth);
    }
    routerOverheadNs.set(name.slice(0, -'.bin'.length), overhead);
  }
  return { probes, routerOverheadNs };
}
