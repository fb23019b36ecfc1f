/**
 * Runs a lab router through the C forwarding path (lab/router-c/gre-forward.c), the default wherever
 * it builds (forwarder-choice.ts decides; the Node router is the fallback). This process stays the
 * router as `lab` sees it (its pid, SIGHUP to reload, SIGTERM to stop, the counters file once a
 * second, the ready file) and translates: the lab's impairment table and interfaces become the
 * forwarder's flat rules file, SIGHUP is passed on after rewriting it, and the forwarder's counter
 * lines become the counters JSON `lab status` reads.
 *
 * Why C: the forwarder stamps each packet with its kernel arrival time, releases delayed ones at a
 * precise deadline, and runs at real-time priority, so a busy machine's scheduling stays out of the
 * RTTs and the truth records hold everything the network stand-in did to a probe (see its header).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeHelperPath } from '../../probes/transport/native-helper.js';
import type { LabInterface } from '../lab-plan.js';
import { directionKey, type Impairment, type ImpairmentTable } from './impairments.js';
import { plainIpForwarderLines } from '../plain-ip.js';

const here = dirname(fileURLToPath(import.meta.url));
// From lab/router (sources) or dist/lab/router (build): the C file stays in lab/router-c.
const sourceDirs = [join(here, '..', 'router-c'), join(here, '..', '..', '..', 'lab', 'router-c')];

/** The C forwarder's binary, compiled on first use and cached; NativeHelperError when it cannot be built. */
export function buildCForwarder(): string {
  return nativeHelperPath('gre-forward', sourceDirs);
}

/** The forwarder's rules for one router: egress impairments by neighbor address, host ingress by local address. */
export function forwarderRules(node: string, interfaces: LabInterface[], impairments: ImpairmentTable, truthFile?: string): string {
  const line = (kind: 'in' | 'out', address: string, impairment: Impairment | undefined) => {
    if (!impairment) return [];
    const delayNs = Math.round((impairment.delayMs ?? 0) * 1e6);
    const jitterNs = Math.round((impairment.jitterMs ?? 0) * 1e6);
    const lossPpm = Math.round((impairment.lossPct ?? 0) * 1e4);
    return [`${kind} ${address} ${delayNs} ${jitterNs} ${lossPpm} ${impairment.down ? 1 : 0}`];
  };
  const lines = interfaces.flatMap((iface) => [
    ...line('out', iface.peerAddress, impairments[directionKey(node, iface.peer, iface.linkId)]),
    ...(iface.peerKind === 'host' ? line('in', iface.address, impairments[directionKey(iface.peer, node, iface.linkId)]) : []),
  ]);
  if (truthFile) lines.push(`truth ${truthFile}`);
  return `${lines.join('\n')}\n`;
}

/** Counters in the shape gre-router.ts writes, from the forwarder's "counters ..." line; undefined for other lines. */
export function parseForwarderCounters(line: string): object | undefined {
  const fields = line.trim().split(' ');
  // 14 fields from forwarders built before the scheduling field was added, 15 with it, 21 with plain IP.
  if (fields[0] !== 'counters' || ![14, 15, 21].includes(fields.length)) return undefined;
  const n = fields.slice(1).map(Number);
  if (n.some((x) => !Number.isFinite(x))) return undefined;
  const [received, forwarded, delayed, malformed, ttlExpired, down, loss, sendError, queued, holdMeanUs, holdMaxUs, lateMeanUs, lateMaxUs, realtime, ...plain] = n as [number, ...number[]];
  const [plainReceived, plainAccepted, plainDelayed, plainDown, plainLoss, plainError] = plain;
  return {
    forwarder: 'c',
    ...(realtime !== undefined && { realtime: realtime === 1 }),
    // Plain IP the kernel routed and this router impaired through its netfilter queue (lab/plain-ip.ts).
    ...(plain.length === 6 && {
      plain: { received: plainReceived, accepted: plainAccepted, delayed: plainDelayed, dropped: { down: plainDown, loss: plainLoss, verdictError: plainError } },
    }),
    queued,
    received,
    forwarded,
    delayed,
    dropped: { malformed, ttlExpired, down, loss, sendError },
    overheadUs: { count: forwarded! - delayed!, mean: holdMeanUs, max: holdMaxUs },
    releaseLateUs: { count: delayed, mean: lateMeanUs, max: lateMaxUs },
  };
}

export interface CForwarderOptions {
  nodeName: string;
  /** The built forwarder (buildCForwarder()). */
  binary: string;
  interfaces: LabInterface[];
  readImpairments(): ImpairmentTable;
  truthDir: string;
  countersFile: string;
  readyFile: string;
  rulesFile: string;
  /** Called with the SIGHUP count once the forwarder has loaded the rules written after it (reload-ack.ts). */
  acknowledge?(generation: number): void;
}

export function runCForwarder(options: CForwarderOptions): void {
  const { nodeName } = options;
  let generation = 0;
  const writeRules = () => {
    let impairments: ImpairmentTable = {};
    try {
      impairments = options.readImpairments();
    } catch (error) {
      process.stderr.write(`lab router ${nodeName}: no impairments applied: ${(error as Error).message}\n`);
    }
    const truthFile = existsSync(options.truthDir) ? join(options.truthDir, `${nodeName}.bin`) : undefined;
    mkdirSync(dirname(options.rulesFile), { recursive: true });
    // The plain-IP lines make the forwarder bind the lab's netfilter queue (lab/plain-ip.ts) before it says ready.
    const plainLines = [...plainIpForwarderLines(options.interfaces), `generation ${generation}`].join('\n');
    writeFileSync(`${options.rulesFile}.tmp`, `${forwarderRules(nodeName, options.interfaces, impairments, truthFile)}${plainLines}\n`);
    renameSync(`${options.rulesFile}.tmp`, options.rulesFile);
  };
  writeRules();
  const child = spawn(options.binary, [options.rulesFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') {
        writeFileSync(options.readyFile, String(process.pid));
        continue;
      }
      const reloaded = /^reloaded (\d+)$/.exec(line);
      if (reloaded) {
        options.acknowledge?.(Number(reloaded[1]));
        continue;
      }
      const counters = parseForwarderCounters(line);
      if (!counters) continue;
      writeFileSync(`${options.countersFile}.tmp`, JSON.stringify({ node: nodeName, pid: process.pid, ...counters }));
      renameSync(`${options.countersFile}.tmp`, options.countersFile);
    }
  });
  child.once('error', (error) => {
    process.stderr.write(`lab router ${nodeName}: cannot run ${options.binary}: ${error.message}\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    process.stderr.write(`lab router ${nodeName}: gre-forward exited with ${code ?? signal}\n`);
    process.exit(code === 0 ? 0 : 1);
  });
  process.on('SIGHUP', () => {
    generation++;
    writeRules();
    child.kill('SIGHUP');
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill('SIGTERM'));
}
