/**
 * `lab down`: removes everything a lab made. It works from what the kernel shows (every namespace with
 * the lab's prefix, every process inside one) rather than from the lab's state file alone, so it also
 * cleans up after a run that crashed half way through `lab up` or lost its state directory.
 */
import { rmSync } from 'node:fs';
import { ipBatch, listNamespaces, namespacePids } from './ip-command.js';
import { labDir } from './lab-state.js';

export interface LabDownResult {
  namespaces: string[];
  killed: number;
}

export function labDown(lab: string): LabDownResult {
  const namespaces = listNamespaces().filter((namespace) => namespace.startsWith(`${lab}.`));
  let killed = 0;
  for (const namespace of namespaces) {
    for (const pid of namespacePids(namespace)) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // Already gone.
      }
    }
  }
  // Deleting a namespace destroys its veth ends, and with them the whole link.
  ipBatch(namespaces.map((namespace) => `netns del ${namespace}`));
  rmSync(labDir(lab), { recursive: true, force: true });
  return { namespaces, killed };
}
