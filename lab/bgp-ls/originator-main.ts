/**
 * The originator as a long-running lab process: `node originator-main.js LAB_DIR`, started by
 * `lab up --bgp-ls` inside the speaker router's namespace (where gobgpd's API listens on loopback) and
 * killed by `lab down` with everything else in the lab's namespaces.
 *
 * It polls ospfd every `pollMs` (100 ms: a poll costs about 2 ms over the vty socket) and writes the
 * ready file the first time gobgpd holds the whole converged IGP, which is what `lab up` waits for.
 * Its log (JSON lines on stdout, redirected to the lab's logs/) is what the benchmark reads.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { GobgpClient } from './gobgp-client.js';
import { Originator } from './originator.js';
import { VtyClient } from './vty-client.js';
import { labFiles } from '../lab-state.js';
import { ORIGINATOR_READY, originatorConfigPath, type OriginatorConfig } from './originator-config.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('bgpLs.originator: expected the lab directory as the only argument\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(originatorConfigPath(dir), 'utf8')) as OriginatorConfig;
const vty = new VtyClient(config.vtySocket);
const gobgp = new GobgpClient(config.grpcAddress);
const originator = new Originator(
  {
    readLsdb: () => vty.run('show ip ospf database router json'),
    addLsPath: (nlri, attribute, nextHop) => gobgp.addLsPath(nlri, attribute, nextHop),
    deleteLsPath: (nlri) => gobgp.deleteLsPath(nlri),
    nowMs: () => performance.timeOrigin + performance.now(),
    log: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`),
  },
  { asn: config.asn, bgpLsId: 0, names: new Map(Object.entries(config.names)), nextHop: config.nextHop, expectedNodes: config.expectedNodes, expectedLinks: config.expectedLinks },
);

let ready = false;
process.stdout.write(`${JSON.stringify({ event: 'start', atMs: performance.timeOrigin + performance.now(), pid: process.pid, pollMs: config.pollMs })}\n`);
for (;;) {
  const started = performance.now();
  const result = await originator.step();
  if (result.converged && !ready) {
    ready = true;
    writeFileSync(labFiles(dir).ready(ORIGINATOR_READY), `${originator.sentCount}\n`);
    process.stdout.write(`${JSON.stringify({ event: 'converged', atMs: performance.timeOrigin + performance.now(), routes: originator.sentCount })}\n`);
  }
  const waitMs = Math.max(0, config.pollMs - (performance.now() - started));
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}
