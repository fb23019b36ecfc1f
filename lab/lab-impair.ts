/**
 * `lab impair`: changes a link's delay, jitter, loss or state, per direction, on a running lab.
 *
 * The table lives in the lab's state directory and the router processes re-read it on SIGHUP; the
 * routers on the link then get netfilter rules that queue the plain IP crossing an impaired direction
 * to their forwarder (lab/plain-ip.ts), so ping, TCP and UDP suffer the impairment as probes do. Taking a
 * link down in both directions also sets both veth ends down, so the kernel, and any routing daemon in
 * the lab, sees the link fail as it would on a real router; bringing it up restores the addresses and
 * the static routes the kernel flushed with it.
 */
import { existsSync } from 'node:fs';
import type { LabNode, LabPlan } from './lab-plan.js';
import { directionKey, type Impairment, type ImpairmentTable } from './router/impairments.js';
import { labDir, labFiles, readImpairments, readMeta, readPlan, writeJson, type LabMeta } from './lab-state.js';
import { applyPlainIp } from './plain-ip.js';
import { readReloadAck, reloadAckFile, waitForReloads } from './router/reload-ack.js';
import { processAlive } from './process-alive.js';
import { ip, ipBatch } from './ip-command.js';
import { nodeCommands } from './lab-up.js';

/** How long `lab impair` waits for the routers to confirm; a loaded 2-core machine can be slow to run them. */
const reloadWaitMs = 5_000;

export interface ImpairmentChange {
  delayMs?: number;
  jitterMs?: number;
  lossPct?: number;
  /** true: down, false: up, undefined: unchanged. */
  down?: boolean;
  /** Remove every impairment from the chosen directions first. */
  clear?: boolean;
}

export interface ImpairScope {
  /** `both` (default) or only from the first node towards the second. */
  direction?: 'both' | 'forward';
  /** One of several parallel links; all of them when absent. */
  linkId?: string;
}

export function labImpair(lab: string, a: string, b: string, change: ImpairmentChange, scope: ImpairScope = {}): ImpairmentTable {
  checkChange(change);
  const dir = labDir(lab);
  const plan = readPlan(dir);
  const nodeA = findNode(plan, a);
  findNode(plan, b);
  const links = nodeA.interfaces.filter((iface) => iface.peer === b && (!scope.linkId || iface.linkId === scope.linkId));
  if (links.length === 0) {
    const neighbors = [...new Set(nodeA.interfaces.map((iface) => iface.peer))].join(', ');
    throw new Error(`lab.labImpair: no link between ${a} and ${b}${scope.linkId ? ` with id ${scope.linkId}` : ''}; ${a}'s neighbors are: ${neighbors}`);
  }
  const table = readImpairments(dir);
  const directions =
    scope.direction === 'forward'
      ? [[a, b]]
      : [
          [a, b],
          [b, a],
        ];
  for (const iface of links) {
    for (const [from, to] of directions) {
      const key = directionKey(from!, to!, iface.linkId);
      const updated: Impairment = { ...(change.clear ? {} : table[key]), ...definedOnly(change) };
      if (updated.down === false) delete updated.down;
      if (Object.keys(updated).length === 0) delete table[key];
      else table[key] = updated;
    }
  }
  writeJson(labFiles(dir).impairments, table);
  if (change.down !== undefined && scope.direction !== 'forward')
    setLinkState(
      plan,
      a,
      b,
      links.map((iface) => iface.linkId),
      change.down,
    );
  const meta = readMeta(dir);
  signalRouters(dir, meta);
  // After the routers have the new table: a packet queued in between meets the table about to apply.
  // Only a and b have rules that depend on this link.
  const plainIp = applyPlainIp([nodeA, findNode(plan, b)], meta.forwarder?.kind, table);
  if (!plainIp.impaired) process.stderr.write(`lab.labImpair: ${plainIp.reason}\n`);
  return table;
}

function setLinkState(plan: LabPlan, a: string, b: string, linkIds: string[], down: boolean): void {
  for (const node of [findNode(plan, a), findNode(plan, b)]) {
    const devices = new Set(node.interfaces.filter((iface) => linkIds.includes(iface.linkId)).map((iface) => iface.name));
    if (down)
      ipBatch(
        [...devices].map((device) => `link set ${device} down`),
        node.namespace,
      );
  }
  if (!down) {
    // Routes through a device are flushed when it goes down: put back every node's routes (idempotent).
    for (const node of plan.nodes) ipBatch(nodeCommands(node), node.namespace);
  }
}

/**
 * SIGHUPs every router and waits until each live one has the new table in force (reload-ack.ts), so
 * the first packet after `lab impair` returns already meets the change.
 */
function signalRouters(dir: string, meta: LabMeta): void {
  const before = new Map<string, number>();
  for (const [node, pid] of Object.entries(meta.routerPids)) {
    // Routers that never acknowledge (started by an older pathmon) have no file and are not waited for.
    if (existsSync(reloadAckFile(dir, node)) && processAlive(pid)) before.set(node, readReloadAck(dir, node));
    try {
      process.kill(pid, 'SIGHUP');
    } catch {
      // A router that is gone shows in `lab status`; the others still get the change.
    }
  }
  const late = waitForReloads(dir, before, reloadWaitMs);
  if (late.length > 0) process.stderr.write(`lab.labImpair: ${late.join(', ')} did not confirm the change within ${reloadWaitMs} ms; it applies once they catch up\n`);
}

function findNode(plan: LabPlan, name: string): LabNode {
  const node = plan.nodes.find((candidate) => candidate.name === name);
  if (!node) throw new Error(`lab.labImpair: no node "${name}" in lab ${plan.lab}; expected one of: ${plan.nodes.map((n) => n.name).join(', ')}`);
  return node;
}

function checkChange(change: ImpairmentChange): void {
  const ranges: [keyof ImpairmentChange, number, number][] = [
    ['delayMs', 0, 60_000],
    ['jitterMs', 0, 60_000],
    ['lossPct', 0, 100],
  ];
  for (const [field, min, max] of ranges) {
    const value = change[field];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)) {
      throw new Error(`lab.labImpair: ${field} must be a number from ${min} to ${max}, got ${String(value)}`);
    }
  }
}

function definedOnly(change: ImpairmentChange): Impairment {
  const { delayMs, jitterMs, lossPct, down } = change;
  return Object.fromEntries(Object.entries({ delayMs, jitterMs, lossPct, down }).filter(([, value]) => value !== undefined));
}

/** Used by status: is this device administratively up? */
export function deviceIsUp(namespace: string, device: string): boolean {
  try {
    return /[<,]UP[,>]/.test(ip(['-o', 'link', 'show', 'dev', device], { namespace }));
  } catch {
    return false;
  }
}
