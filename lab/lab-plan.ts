/**
 * What a lab is made of, worked out before anything is created: one network namespace per node, one
 * veth pair per link, addresses, and static routes along metric-shortest paths.
 *
 * Planning is pure so it can be tested without root and so `lab up` can check everything before it
 * touches the kernel. Namespace names carry the lab's name as a prefix (`LAB.NODE`); lab names cannot
 * contain dots, so a prefix always belongs to exactly one lab, even one whose state was lost in a crash.
 */
import graphology from 'graphology';
import { dijkstra } from 'graphology-shortest-path';
import type { YamlTopologySpec } from '../topology/index.js';

const { MultiUndirectedGraph } = graphology;

export interface LabInterface {
  name: string;
  linkId: string;
  address: string;
  prefixLength: number;
  peer: string;
  peerKind: 'router' | 'host';
  peerAddress: string;
  /** The link's IGP metric from the topology file (what `lab up --bgp-ls` gives OSPF as the cost). */
  metric?: number;
}

export interface LabRoute {
  /** Destination subnet in CIDR form. */
  prefix: string;
  via: string;
  device: string;
}

export interface LabNode {
  name: string;
  kind: 'router' | 'host';
  namespace: string;
  interfaces: LabInterface[];
  routes: LabRoute[];
}

export interface LabPlan {
  lab: string;
  nodes: LabNode[];
}

const labNamePattern = /^[a-z0-9][a-z0-9-]{0,19}$/;
const linuxInterfaceNameMax = 15;

export function validLabName(name: string): boolean {
  return labNamePattern.test(name);
}

export function namespaceName(lab: string, node: string): string {
  return `${lab}.${node}`;
}

export function labPlan(lab: string, spec: YamlTopologySpec): LabPlan {
  if (!validLabName(lab)) {
    throw new Error(`lab.labPlan: lab name "${lab}" is not usable; expected 1-20 characters of a-z, 0-9 and '-', starting with a letter or digit`);
  }
  const kinds = new Map<string, 'router' | 'host'>([...spec.routers.map((router) => [router.name, 'router'] as const), ...spec.hosts.map((host) => [host.name, 'host'] as const)]);
  const nodes = new Map<string, LabNode>();
  for (const [name, kind] of kinds) nodes.set(name, { name, kind, namespace: namespaceName(lab, name), interfaces: [], routes: [] });

  for (const link of spec.links) {
    const ends = [
      { node: link.a, address: link.aAddress, peer: link.b, peerAddress: link.bAddress },
      { node: link.b, address: link.bAddress, peer: link.a, peerAddress: link.aAddress },
    ];
    for (const end of ends) {
      nodes.get(end.node)!.interfaces.push({
        name: interfaceName(link.id, end.peer),
        linkId: link.id,
        address: end.address,
        prefixLength: link.prefixLength,
        peer: end.peer,
        peerKind: kinds.get(end.peer)!,
        peerAddress: end.peerAddress,
        metric: link.metric,
      });
    }
  }
  for (const node of nodes.values()) node.routes = staticRoutes(node, spec, nodes);
  return { lab, nodes: [...nodes.values()] };
}

/** Interface names are per namespace, so they only need to be unique within a node: the link id does that. */
function interfaceName(linkId: string, peer: string): string {
  return `${linkId}-${peer}`.slice(0, linuxInterfaceNameMax);
}

/**
 * One route per subnet the node is not on, towards the subnet's nearer end along the metric-shortest
 * path. Hosts are never transit: a host forwards nothing, so a shortest path through one gives no route.
 */
function staticRoutes(node: LabNode, spec: YamlTopologySpec, nodes: Map<string, LabNode>): LabRoute[] {
  const graph = new MultiUndirectedGraph();
  for (const name of nodes.keys()) graph.addNode(name);
  for (const link of spec.links) graph.addEdge(link.a, link.b, { metric: link.metric });
  const reachable = dijkstra.singleSource(graph, node.name, 'metric');
  const distance = (target: string): number => pathCost(graph, reachable[target]);

  const routes: LabRoute[] = [];
  for (const link of spec.links) {
    if (link.a === node.name || link.b === node.name) continue;
    const nearer = [link.a, link.b].filter((end) => reachable[end] && viaRoutersOnly(reachable[end]!, nodes)).sort((x, y) => distance(x) - distance(y))[0];
    if (!nearer) continue;
    const nextHop = reachable[nearer]![1]!;
    const firstLink = node.interfaces.filter((candidate) => candidate.peer === nextHop).sort((x, y) => linkMetric(spec, x.linkId) - linkMetric(spec, y.linkId))[0]!;
    routes.push({ prefix: subnetOf(link.aAddress, link.prefixLength), via: firstLink.peerAddress, device: firstLink.name });
  }
  return routes;
}

function viaRoutersOnly(path: string[], nodes: Map<string, LabNode>): boolean {
  return path.slice(1, -1).every((name) => nodes.get(name)!.kind === 'router');
}

function pathCost(graph: InstanceType<typeof MultiUndirectedGraph>, path: string[] | undefined): number {
  if (!path) return Infinity;
  let cost = 0;
  for (let i = 1; i < path.length; i++) {
    const metrics = graph.edges(path[i - 1]!, path[i]!).map((edge) => graph.getEdgeAttribute(edge, 'metric') as number);
    cost += Math.min(...metrics);
  }
  return cost;
}

function linkMetric(spec: YamlTopologySpec, linkId: string): number {
  return spec.links.find((link) => link.id === linkId)!.metric;
}

/** The network address of `address/prefixLength`, as CIDR. */
export function subnetOf(address: string, prefixLength: number): string {
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const network = (value & mask) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.')}/${prefixLength}`;
}
