/**
 * `lab status`: what a lab is made of and whether it is healthy: each node's namespace, its router
 * process and that process's counters (including the lab's own per-packet overhead, so lab artefacts
 * are not blamed on the network), the impairments in force, and with `--bgp-ls` whether each of the
 * BGP-LS chain's daemons is still running.
 */
import { existsSync, readFileSync } from 'node:fs';
import { labDir, labFiles, readImpairments, readMeta, readPlan } from './lab-state.js';
import { listNamespaces } from './ip-command.js';
import type { RouterCounters } from './router/gre-router.js';
import type { ImpairmentTable } from './router/impairments.js';
import { processAlive } from './process-alive.js';
import type { ForwarderChoice } from './router/forwarder-choice.js';

export interface NodeStatus {
  name: string;
  kind: 'router' | 'host';
  namespace: string;
  namespaceExists: boolean;
  routerPid?: number;
  routerAlive?: boolean;
  /**
   * `forwarder` says which path wrote them: 'c' (gre-forward.c) or 'node'; `realtime` (C only) whether
   * the forwarder runs under SCHED_FIFO, which keeps a busy machine's scheduling out of the RTTs.
   */
  counters?: RouterCounters & { queued: number; forwarder?: 'c' | 'node'; realtime?: boolean };
}

export interface LabStatus {
  lab: string;
  topologyFile: string;
  createdAt: string;
  /** How the routers forward: C, or Node and why (absent for labs started before this was recorded). */
  forwarder?: ForwarderChoice;
  nodes: NodeStatus[];
  impairments: ImpairmentTable;
  /** Labs started with `--bgp-ls`: the chain's processes and what to give pathmon. */
  bgpLs?: {
    prober: string;
    speaker: string;
    topologySpec: string;
    processes: { name: string; pid: number; alive: boolean }[];
  };
}

export function labStatus(lab: string): LabStatus {
  const dir = labDir(lab);
  if (!existsSync(labFiles(dir).meta)) throw new Error(`lab.labStatus: lab "${lab}" is not up (no ${labFiles(dir).meta})`);
  const plan = readPlan(dir);
  const meta = readMeta(dir);
  const namespaces = new Set(listNamespaces());
  const nodes = plan.nodes.map((node): NodeStatus => {
    const status: NodeStatus = { name: node.name, kind: node.kind, namespace: node.namespace, namespaceExists: namespaces.has(node.namespace) };
    const pid = meta.routerPids[node.name];
    if (pid !== undefined) {
      status.routerPid = pid;
      status.routerAlive = processAlive(pid);
      const countersFile = labFiles(dir).counters(node.name);
      if (existsSync(countersFile)) status.counters = JSON.parse(readFileSync(countersFile, 'utf8'));
    }
    return status;
  });
  const status: LabStatus = { lab, topologyFile: meta.topologyFile, createdAt: meta.createdAt, nodes, impairments: readImpairments(dir) };
  if (meta.forwarder) status.forwarder = meta.forwarder;
  if (meta.bgpLs) {
    status.bgpLs = {
      prober: meta.bgpLs.prober,
      speaker: meta.bgpLs.speaker,
      topologySpec: meta.bgpLs.topologySpec,
      processes: Object.entries(meta.bgpLs.pids).map(([name, pid]) => ({ name, pid, alive: processAlive(pid) })),
    };
  }
  return status;
}
