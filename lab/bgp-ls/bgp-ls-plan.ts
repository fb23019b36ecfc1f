/**
 * Who does what in a lab's BGP-LS chain, decided before anything starts: which host is the prober
 * (where pathmon runs ExaBGP), which router speaks BGP-LS to it (the router that host hangs off, so the
 * session needs no routing), both ends' addresses on that link, the ASes, and each router's OSPF router id.
 *
 * OSPF router ids must be dotted quads. A router whose `routerId` in the topology file is one keeps it;
 * the others (IS-IS style ids like "000010000001", or none) get 10.255.x.y in file order, skipping ids
 * already taken. The id is only a name in OSPF and BGP-LS; it is never configured on an interface.
 */
import type { LabPlan } from '../lab-plan.js';

export interface BgpLsPlan {
  prober: string;
  proberNamespace: string;
  proberAddress: string;
  speaker: string;
  speakerNamespace: string;
  speakerAddress: string;
  labAsn: number;
  proberAsn: number;
  /** gobgpd's gRPC API, inside the speaker's namespace. */
  grpcAddress: string;
  /** Router name to OSPF router id. */
  routerIds: Record<string, string>;
}

export const LAB_ASN = 65001;
export const PROBER_ASN = 65002;
const GRPC_ADDRESS = '127.0.0.1:50051';

export function bgpLsPlan(plan: LabPlan, fileRouterIds: Record<string, string | undefined>, proberName?: string): BgpLsPlan {
  const hosts = plan.nodes.filter((node) => node.kind === 'host');
  const prober = proberName === undefined ? hosts[0] : plan.nodes.find((node) => node.name === proberName);
  if (!prober || prober.kind !== 'host') {
    const choices = hosts.map((host) => host.name).join(', ') || 'none';
    throw new Error(`lab.bgpLsPlan: ${proberName === undefined ? 'the topology has no host' : `"${proberName}" is not a host of the lab`} to run pathmon's ExaBGP on; expected one of: ${choices}`);
  }
  const uplink = prober.interfaces.find((iface) => iface.peerKind === 'router');
  if (!uplink) throw new Error(`lab.bgpLsPlan: host ${prober.name} has no link to a router; expected one, to peer with the BGP-LS speaker`);
  const speaker = plan.nodes.find((node) => node.name === uplink.peer)!;

  const routers = plan.nodes.filter((node) => node.kind === 'router');
  const routerIds: Record<string, string> = {};
  const taken = new Set<string>();
  for (const router of routers) {
    const id = fileRouterIds[router.name];
    if (id !== undefined && isDottedQuad(id) && !taken.has(id)) {
      routerIds[router.name] = id;
      taken.add(id);
    }
  }
  let next = 1;
  for (const router of routers) {
    if (routerIds[router.name]) continue;
    while (taken.has(generatedId(next))) next++;
    routerIds[router.name] = generatedId(next);
    taken.add(generatedId(next));
  }
  return {
    prober: prober.name,
    proberNamespace: prober.namespace,
    proberAddress: uplink.address,
    speaker: speaker.name,
    speakerNamespace: speaker.namespace,
    speakerAddress: uplink.peerAddress,
    labAsn: LAB_ASN,
    proberAsn: PROBER_ASN,
    grpcAddress: GRPC_ADDRESS,
    routerIds,
  };
}

function generatedId(n: number): string {
  return `10.255.${Math.floor(n / 256) % 256}.${n % 256}`;
}

function isDottedQuad(text: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(text) && text.split('.').every((octet) => Number(octet) <= 255 && String(Number(octet)) === octet);
}
