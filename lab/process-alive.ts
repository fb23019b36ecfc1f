/**
 * Whether a process is really running. `kill(pid, 0)` also succeeds on a zombie, and lab router
 * processes outlive the `lab up` that started them, so they are reaped by whatever PID 1 the machine
 * has; in a container that may be never. /proc's state letter tells a zombie (Z) or dead (X) apart.
 */
import { readFileSync } from 'node:fs';

export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
