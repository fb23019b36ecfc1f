/**
 * The temporary folder that holds the generated ExaBGP config and the forwarder. A pathmon killed with
 * SIGKILL cannot remove its own, so each folder records its owner's pid and every new one sweeps the
 * folders whose owner is gone: leftovers never pile up in /tmp, however pathmon ended.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const prefix = 'pathmon-exabgp-';
const ownerFile = 'owner.pid';

export function createExabgpWorkDir(parent: string = tmpdir()): string {
  sweepAbandonedWorkDirs(parent);
  const dir = mkdtempSync(join(parent, prefix));
  writeFileSync(join(dir, ownerFile), `${process.pid}\n`);
  return dir;
}

/** Removes work folders whose recorded owner no longer runs; returns how many it removed. */
export function sweepAbandonedWorkDirs(parent: string = tmpdir()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(parent).filter((name) => name.startsWith(prefix));
  } catch {
    return 0;
  }
  for (const name of names) {
    const dir = join(parent, name);
    const owner = ownerPid(dir);
    // A folder without a readable owner may be one being created right now: leave it.
    if (owner === null || processRuns(owner)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function ownerPid(dir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, ownerFile), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
