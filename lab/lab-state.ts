/**
 * Where a running lab keeps what it knows about itself: the plan it was built from, the impairments in
 * force, the router processes' pids and counters. One directory per lab under /run/pathmon/labs, so
 * `lab status`, `lab impair`, `lab exec` and `lab down` work from any shell, and a crashed run can be
 * found and removed.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlan } from './lab-plan.js';
import type { ImpairmentTable } from './router/impairments.js';
import type { BgpLsState } from './bgp-ls/bgp-ls-up.js';
import type { ForwarderChoice } from './router/forwarder-choice.js';

export const labsRoot = process.env.PATHMON_LABS_DIR ?? '/run/pathmon/labs';

export function labDir(lab: string): string {
  return join(labsRoot, lab);
}

export function labFiles(dir: string) {
  return {
    plan: join(dir, 'plan.json'),
    meta: join(dir, 'lab.json'),
    impairments: join(dir, 'impairments.json'),
    counters: (node: string) => join(dir, 'counters', `${node}.json`),
    ready: (node: string) => join(dir, 'ready', node),
    log: (node: string) => join(dir, 'logs', `${node}.log`),
  };
}

export interface LabMeta {
  lab: string;
  topologyFile: string;
  createdAt: string;
  routerPids: Record<string, number>;
  /** How the routers forward (absent in state written before the C path became the default). */
  forwarder?: ForwarderChoice;
  /** The BGP-LS chain's processes and files, for labs started with `--bgp-ls`. */
  bgpLs?: BgpLsState;
}

export function createLabDir(lab: string): string {
  const dir = labDir(lab);
  for (const sub of ['counters', 'ready', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  return dir;
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(value, null, 2));
  renameSync(`${path}.tmp`, path);
}

export function readPlan(dir: string): LabPlan {
  return JSON.parse(readFileSync(labFiles(dir).plan, 'utf8')) as LabPlan;
}

export function readMeta(dir: string): LabMeta {
  return JSON.parse(readFileSync(labFiles(dir).meta, 'utf8')) as LabMeta;
}

export function readImpairments(dir: string): ImpairmentTable {
  const path = labFiles(dir).impairments;
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ImpairmentTable) : {};
}

/** Labs that have a state directory (running or crashed). */
export function knownLabs(): string[] {
  return existsSync(labsRoot) ? readdirSync(labsRoot).sort() : [];
}

/**
 * The lab a command means: the one named, else $PATHMON_LAB, else the only one there is. Anything
 * else is an error listing the labs, because guessing would impair or tear down someone else's lab.
 */
export function chooseLab(named?: string): string {
  const lab = named ?? process.env.PATHMON_LAB;
  if (lab) return lab;
  const labs = knownLabs();
  if (labs.length === 1) return labs[0]!;
  throw new Error(labs.length === 0 ? 'lab: no lab is up; expected one started with `pathmon lab up FILE`' : `lab: ${labs.length} labs are up (${labs.join(', ')}); expected --lab NAME to say which`);
}
