/**
 * Entry point of one lab router process, started by `lab up` inside the router's namespace:
 * `node main.js STATE_DIR NODE`.
 *
 * It receives GRE (IP protocol 47) on a raw socket and sends inner packets on an IPPROTO_RAW socket, so
 * the inner headers leave exactly as the prober built them. SIGHUP re-reads the impairment table (that
 * is how `lab impair` reaches a running router); counters are written to the state directory once a
 * second for `lab status`. When the state directory has a `truth/` folder (at start or at SIGHUP), every
 * forwarded probe's applied delay and hold time go to truth/NODE.bin (truth-records.ts), the ground
 * truth the engine's accuracy is measured against. A malformed packet is counted and dropped; nothing
 * ends this process but a signal.
 *
 * Where the C forwarder builds, the forwarding is done by it (c-forwarder.ts, lab/router-c/gre-forward.c),
 * which times everything by the kernel's arrival stamps; this process then only supervises it. `lab up`
 * makes that choice once for the whole lab (forwarder-choice.ts) and passes it in the environment;
 * started by hand, this process makes the same choice itself.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import raw from 'raw-socket';
import { GreRouter, type OutgoingPacket } from './gre-router.js';
import { DelayQueue } from './delay-queue.js';
import { TruthRecorder, truthDir } from './truth-records.js';
import { join } from 'node:path';
import { labFiles, readImpairments } from '../lab-state.js';
import type { LabNode } from '../lab-plan.js';
import { buildCForwarder, runCForwarder } from './c-forwarder.js';
import { chooseForwarder, FORWARDER_BINARY, FORWARDER_SETTING } from './forwarder-choice.js';
import { writeReloadAck } from './reload-ack.js';

const IPPROTO_GRE = 47;
const IPPROTO_RAW = 255;

const [stateDir, nodeName] = process.argv.slice(2);
if (!stateDir || !nodeName) {
  process.stderr.write('lab router: usage: main.js STATE_DIR NODE\n');
  process.exit(2);
}
const files = labFiles(stateDir);
const node = (JSON.parse(readFileSync(files.plan, 'utf8')).nodes as LabNode[]).find((candidate) => candidate.name === nodeName);
if (!node) {
  process.stderr.write(`lab router: node ${nodeName} is not in ${files.plan}\n`);
  process.exit(2);
}

const handedBinary = process.env[FORWARDER_BINARY];
const forwarder = chooseForwarder(process.env[FORWARDER_SETTING], () => handedBinary || buildCForwarder());
if (forwarder.kind === 'node' && forwarder.fallback) process.stderr.write(`lab router ${nodeName}: forwarding in Node: ${forwarder.reason}\n`);
if (forwarder.kind === 'c') {
  runCForwarder({
    nodeName,
    binary: forwarder.binary,
    interfaces: node.interfaces,
    readImpairments: () => readImpairments(stateDir),
    truthDir: truthDir(stateDir),
    countersFile: files.counters(nodeName),
    readyFile: files.ready(nodeName),
    rulesFile: join(stateDir, 'router-c', `${nodeName}.rules`),
    acknowledge: (generation) => writeReloadAck(stateDir, nodeName, generation),
  });
} else {
  startNodeRouter(stateDir, nodeName, node);
}

function startNodeRouter(stateDir: string, nodeName: string, node: LabNode): void {
  const receiveSocket = raw.createSocket({ protocol: IPPROTO_GRE, bufferSize: 65535 });
  const sendSocket = raw.createSocket({ protocol: IPPROTO_RAW });
  sendSocket.pauseRecv();

  const truth = new TruthRecorder(join(truthDir(stateDir), `${nodeName}.bin`));

  const router: GreRouter = new GreRouter(node.name, node.interfaces, {
    send: (packet, destination) =>
      sendSocket.send(packet, 0, packet.length, destination, null, (error) => {
        if (error) router.countSendError();
      }),
    delay: (packet, delayNs) => queue.add(packet, delayNs),
    random: Math.random,
    nowNs: () => process.hrtime.bigint(),
    recordTruth: (packet, appliedDelayNs, holdNs) => truth.record(packet, appliedDelayNs, holdNs),
  });
  const queue = new DelayQueue<OutgoingPacket>((packet, lateNs) => router.transmit(packet, lateNs));

  // raw-socket reuses its receive buffer, and a delayed packet outlives the callback: copy it.
  receiveSocket.on('message', (packet) => router.handle(Buffer.from(packet)));
  receiveSocket.on('error', (error) => process.stderr.write(`lab router ${nodeName}: receive socket: ${error.message}\n`));
  sendSocket.on('error', (error) => process.stderr.write(`lab router ${nodeName}: send socket: ${error.message}\n`));

  function reloadImpairments(): void {
    try {
      truth.refresh();
    } catch (error) {
      process.stderr.write(`lab router ${nodeName}: truth records: ${(error as Error).message}\n`);
    }
    try {
      router.impairments = readImpairments(stateDir!);
    } catch (error) {
      process.stderr.write(`lab router ${nodeName}: keeping the previous impairments: ${(error as Error).message}\n`);
    }
  }

  let lastWritten = '';
  function writeCounters(): void {
    truth.flush();
    const text = JSON.stringify({ node: nodeName, pid: process.pid, forwarder: 'node', queued: queue.size, ...router.counters });
    if (text === lastWritten) return;
    const target = files.counters(nodeName!);
    writeFileSync(`${target}.tmp`, text);
    renameSync(`${target}.tmp`, target);
    lastWritten = text;
  }

  let generation = 0;
  reloadImpairments();
  writeReloadAck(stateDir, nodeName, generation);
  process.on('SIGHUP', () => {
    generation++;
    reloadImpairments();
    writeReloadAck(stateDir, nodeName, generation);
  });
  // The shutdown handler holds the sockets: raw-socket closes a socket whose JS object is collected, and
  // nothing else would keep the receive socket reachable once this module has run.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      writeCounters();
      truth.close();
      receiveSocket.close();
      sendSocket.close();
      process.exit(0);
    });
  }
  setInterval(writeCounters, 1000);
  writeCounters();
  writeFileSync(files.ready(nodeName), String(process.pid));
}
