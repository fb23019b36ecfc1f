/**
 * `lab up`: builds a YAML topology as real network namespaces: a namespace per router and host, a veth
 * pair per link created straight into both namespaces (so two labs never race on names in the root
 * namespace), addresses, forwarding, static routes, and one GRE router process per router. The routers
 * forward in C where the C forwarder builds, else in Node (forwarder-choice.ts); the choice is made
 * here once, logged when it falls back, and recorded in the lab's state for `lab status`.
 *
 * Plain IP (ping, TCP, UDP between lab nodes) is routed by the router namespaces' kernels along the
 * same static routes, and hosts send anything else to their router by a default route; `lab impair`
 * then reaches those packets through netfilter rules that hand them to the C forwarder (plain-ip.ts).
 *
 * Every sysctl set here has a reason pathmon's probes need: routers forward, and every node accepts
 * packets whose source is one of its own addresses (`accept_local`) arriving on any interface
 * (`rp_filter=0`), since a probe comes home carrying the prober's own address. If any step fails, all
 * that was built is torn down before the error is reported.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYamlTopology } from '../topology/index.js';
import { labPlan, validLabName, type LabNode, type LabPlan } from './lab-plan.js';
import { ipBatch, listNamespaces, sysctlIn } from './ip-command.js';
import { createLabDir, labDir, labFiles, writeJson, type LabMeta } from './lab-state.js';
import { labDown } from './lab-down.js';
import { bgpLsPlan } from './bgp-ls/bgp-ls-plan.js';
import { startBgpLs, type BgpLsState } from './bgp-ls/bgp-ls-up.js';
import { buildCForwarder } from './router/c-forwarder.js';
import { chooseForwarder, describeForwarder, FORWARDER_BINARY, FORWARDER_SETTING, type ForwarderChoice } from './router/forwarder-choice.js';
import { applyPlainIp, type PlainIpResult } from './plain-ip.js';

const routerMain = fileURLToPath(new URL('./router/main.js', import.meta.url));
const readyTimeoutMs = 15_000;
/** OSPF adjacencies come up in a few seconds; a loaded 2-core machine can take several times that. */
const bgpLsReadyTimeoutMs = 90_000;

export interface LabUpResult {
  lab: string;
  dir: string;
  plan: LabPlan;
  /** How the routers forward: C, or Node and why. */
  forwarder: ForwarderChoice;
  /** Whether `lab impair` also applies to plain IP (ICMP, TCP, UDP the routers' kernels forward), or why not. */
  plainIp: PlainIpResult;
  /** Present with `bgpLs`: the chain's processes and the ExaBGP configuration for the prober. */
  bgpLs?: BgpLsState;
}

export interface LabUpOptions {
  name?: string;
  /**
   * Also run the BGP-LS chain (OSPF in the routers, originator, gobgpd) towards a prober host: true for
   * the topology's first host, or the host's name.
   */
  bgpLs?: boolean | string;
}

export async function labUp(topologyFile: string, options: LabUpOptions = {}): Promise<LabUpResult> {
  const text = readFileSync(topologyFile, 'utf8');
  const { spec } = parseYamlTopology(text, topologyFile);
  const lab =
    options.name ??
    spec.name ??
    basename(topologyFile)
      .replace(/\.ya?ml$/, '')
      .toLowerCase();
  if (!validLabName(lab)) {
    throw new Error(`lab.labUp: lab name "${lab}" is not usable; expected 1-20 characters of a-z, 0-9 and '-' (give one with --lab)`);
  }
  const leftovers = listNamespaces().filter((namespace) => namespace.startsWith(`${lab}.`));
  if (existsSync(labDir(lab)) || leftovers.length > 0) {
    throw new Error(`lab.labUp: a lab named "${lab}" is already up or was left behind; run \`pathmon lab down --lab ${lab}\` first, or choose another --lab`);
  }

  const plan = labPlan(lab, spec);
  // Before anything is built: an unusable PATHMON_LAB_ROUTER costs nothing, and the compile happens once.
  const forwarder = chooseForwarder(process.env[FORWARDER_SETTING], buildCForwarder);
  if (forwarder.kind === 'node' && forwarder.fallback) process.stderr.write(`lab.labUp: ${describeForwarder(forwarder)}\n`);
  // Checked before anything is built, so a wrong prober name costs nothing.
  const bgp = options.bgpLs
    ? bgpLsPlan(plan, Object.fromEntries(spec.routers.map((router) => [router.name, router.routerId])), typeof options.bgpLs === 'string' ? options.bgpLs : undefined)
    : undefined;
  const dir = createLabDir(lab);
  const files = labFiles(dir);
  writeJson(files.plan, plan);
  writeJson(files.impairments, {});
  try {
    buildNamespaces(plan);
    const routerPids = await startRouters(plan, dir, forwarder);
    // After the routers are ready: each C forwarder has bound its queue by then. No link is impaired
    // yet, so this checks that iptables works and leaves the routers forwarding at kernel speed.
    const plainIp = applyPlainIp(plan.nodes, forwarder.kind, {});
    if (!plainIp.impaired) process.stderr.write(`lab.labUp: ${plainIp.reason}\n`);
    const meta: LabMeta = { lab, topologyFile: resolve(topologyFile), createdAt: new Date().toISOString(), routerPids, forwarder };
    // Written before the chain starts, so `lab status` and `lab down` see a lab whose chain is still converging.
    writeJson(files.meta, meta);
    if (!bgp) return { lab, dir, plan, forwarder, plainIp };
    meta.bgpLs = await startBgpLs(dir, plan, bgp, bgpLsReadyTimeoutMs);
    writeJson(files.meta, meta);
    return { lab, dir, plan, forwarder, plainIp, bgpLs: meta.bgpLs };
  } catch (error) {
    labDown(lab);
    throw error;
  }
}

function buildNamespaces(plan: LabPlan): void {
  const byName = new Map(plan.nodes.map((node) => [node.name, node]));
  ipBatch(plan.nodes.map((node) => `netns add ${node.namespace}`));
  for (const node of plan.nodes) {
    sysctlIn(node.namespace, [
      `net.ipv4.ip_forward=${node.kind === 'router' ? 1 : 0}`,
      'net.ipv4.conf.all.rp_filter=0',
      'net.ipv4.conf.default.rp_filter=0',
      'net.ipv4.conf.all.accept_local=1',
      'net.ipv4.conf.default.accept_local=1',
    ]);
  }
  const vethPairs: string[] = [];
  for (const node of plan.nodes) {
    for (const iface of node.interfaces) {
      // Each pair once: from the end whose name sorts first.
      if (node.name > iface.peer) continue;
      const peer = byName.get(iface.peer)!;
      const peerIface = peer.interfaces.find((candidate) => candidate.linkId === iface.linkId)!;
      vethPairs.push(`link add ${iface.name} netns ${node.namespace} type veth peer name ${peerIface.name} netns ${peer.namespace}`);
    }
  }
  ipBatch(vethPairs);
  for (const node of plan.nodes) {
    sysctlIn(
      node.namespace,
      node.interfaces.flatMap((iface) => [`net.ipv4.conf.${iface.name}.rp_filter=0`, `net.ipv4.conf.${iface.name}.accept_local=1`]),
    );
    ipBatch(nodeCommands(node), node.namespace);
  }
}

/** Addresses, links up and routes for one node; also what `lab impair --up` replays for a link. */
export function nodeCommands(node: LabNode, onlyDevices?: Set<string>): string[] {
  const interfaces = node.interfaces.filter((iface) => !onlyDevices || onlyDevices.has(iface.name));
  const gateway = hostGateway(node);
  return [
    'link set lo up',
    ...interfaces.map((iface) => `addr replace ${iface.address}/${iface.prefixLength} dev ${iface.name}`),
    ...interfaces.map((iface) => `link set ${iface.name} up`),
    ...node.routes.filter((route) => !onlyDevices || onlyDevices.has(route.device)).map((route) => `route replace ${route.prefix} via ${route.via} dev ${route.device}`),
    ...(gateway && (!onlyDevices || onlyDevices.has(gateway.name)) ? [`route replace default via ${gateway.peerAddress} dev ${gateway.name}`] : []),
  ];
}

/**
 * A host's default gateway: its first link to a router, as a server's would be. The per-subnet routes
 * already reach every lab address; the default makes any other address a host targets leave through
 * its router too (it goes no further than the lab's namespaces), rather than fail on the host itself.
 */
export function hostGateway(node: LabNode): LabNode['interfaces'][number] | undefined {
  return node.kind === 'host' ? node.interfaces.find((iface) => iface.peerKind === 'router') : undefined;
}

async function startRouters(plan: LabPlan, dir: string, forwarder: ForwarderChoice): Promise<Record<string, number>> {
  const files = labFiles(dir);
  const pids: Record<string, number> = {};
  const env = { ...process.env, [FORWARDER_SETTING]: forwarder.kind, [FORWARDER_BINARY]: forwarder.kind === 'c' ? forwarder.binary : '' };
  for (const node of plan.nodes.filter((candidate) => candidate.kind === 'router')) {
    const log = openSync(files.log(node.name), 'a');
    const child = spawn('ip', ['netns', 'exec', node.namespace, process.execPath, routerMain, dir, node.name], {
      detached: true,
      stdio: ['ignore', log, log],
      env,
    });
    child.unref();
    pids[node.name] = child.pid!;
  }
  const deadline = Date.now() + readyTimeoutMs;
  for (const name of Object.keys(pids)) {
    while (!existsSync(files.ready(name))) {
      if (Date.now() > deadline) {
        const log = readFileSync(files.log(name), 'utf8').trim().split('\n').slice(-5).join('\n');
        throw new Error(`lab.labUp: router process for ${name} did not start within ${readyTimeoutMs} ms; its log says:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return pids;
}
