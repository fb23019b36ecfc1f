/**
 * `lab down`: removes everything a lab made. It works from what the kernel shows (every namespace with
 * the lab's prefix, every process inside one) rather than from the lab's state file alone, so it also
 * cleans up after a run that crashed half way through `lab up` or lost its state directory. The
 * BGP-LS chain's daemons (zebra, ospfd, gobgpd, the originator) live in the router namespaces and their
 * files in the lab's state directory, so they go the same way.
 */
import { rmSync } from 'node:fs';
import { ipBatch, listNamespaces, namespacePids } from './ip-command.js';
import { labDir } from './lab-state.js';
import { processAlive } from './process-alive.js';

/** SIGKILL is asynchronous: how long `lab down` waits for the killed processes to be gone. */
const exitWaitMs = 3_000;

export interface LabDownResult {
  namespaces: string[];
  killed: number;
}

export function labDown(lab: string): LabDownResult {
  const namespaces = listNamespaces().filter((namespace) => namespace.startsWith(`${lab}.`));
  let killed = 0;
  const pids: number[] = [];
  for (const namespace of namespaces) {
    for (const pid of namespacePids(namespace)) {
      try {
        process.kill(pid, 'SIGKILL');
        pids.push(pid);
        killed++;
      } catch {
        // Already gone.
      }
    }
  }
  // Wait until they are gone (or zombies: processAlive tells those apart), so that when `lab down`
  // returns no lab process (FRR daemons, gobgpd, the originator, routers) is still running.
  const deadline = Date.now() + exitWaitMs;
  while (pids.some(processAlive) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  // Deleting a namespace destroys its veth ends, and with them the whole link.
  ipBatch(namespaces.map((namespace) => `netns del ${namespace}`));
  rmSync(labDir(lab), { recursive: true, force: true });
  return { namespaces, killed };
}
