/**
 * Plain IP through the lab's impairments. The routers' kernels route ICMP, TCP and UDP between lab
 * nodes along the lab's static routes, and this kernel has no netem; so each router namespace gets
 * netfilter rules that hand every packet crossing one of its links to that router's C forwarder
 * (NFQUEUE), which answers with a verdict after the link's delay, or drops it for loss or down
 * (lab/router-c/gre-forward.c). A packet stays in the kernel while it is held, so routing, TTL and
 * ICMP errors remain the kernel's, as on a real router.
 *
 * Only packets that cross an impaired link direction go through the queue, so an unimpaired link
 * costs what the kernel's forwarding costs and nothing more (the rules follow every `lab impair`). In a
 * router's namespace, for a link direction with an impairment:
 * - egress (this router towards its neighbor): packets forwarded out of that interface (FORWARD) and
 *   the router's own (OUTPUT, such as its ping replies). The forwarder's GRE sends carry MARK and are
 *   skipped: it has impaired those itself;
 * - ingress from a host (a host runs no router, so its direction is applied where it arrives): packets
 *   forwarded in from that interface, and those addressed to the router itself (INPUT) except GRE,
 *   which the forwarder takes and impairs itself.
 * The forwarder applies both a packet's ingress and egress rules when it has them, so a packet that
 * matches two rules is still queued once per hook.
 * The rules are inside the router namespaces, so `lab down` removes them with the namespaces.
 */
import { execFileSync } from 'node:child_process';
import type { LabInterface, LabNode } from './lab-plan.js';
import { LabCommandError } from './ip-command.js';
import { directionKey, type ImpairmentTable } from './router/impairments.js';

/** The netfilter queue each router's forwarder binds (queues are per namespace, so one number serves all). */
export const PLAIN_IP_QUEUE = 7057;
/** The mark on the forwarder's own sends (SO_MARK), which the OUTPUT rule lets pass. */
export const PLAIN_IP_MARK = 0x7057;

const IPPROTO_GRE = 47;

/** The forwarder's config lines for plain IP: bind the queue, and each interface's addresses. */
export function plainIpForwarderLines(interfaces: LabInterface[]): string[] {
  return [`plain ${PLAIN_IP_QUEUE} ${PLAIN_IP_MARK}`, ...interfaces.map((iface) => `dev ${iface.name} ${iface.address} ${iface.peerAddress}`)];
}

/** The iptables-restore input for one router (nothing for a host: hosts forward nothing). */
export function plainIpRuleset(node: LabNode, impairments: ImpairmentTable): string {
  if (node.kind !== 'router') return '';
  const queue = `-j NFQUEUE --queue-num ${PLAIN_IP_QUEUE} --queue-bypass`;
  const impaired = (from: string, to: string, iface: LabInterface) => impairments[directionKey(from, to, iface.linkId)] !== undefined;
  const egress = node.interfaces.filter((iface) => impaired(node.name, iface.peer, iface));
  const ingress = node.interfaces.filter((iface) => iface.peerKind === 'host' && impaired(iface.peer, node.name, iface));
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...egress.map((iface) => `-A FORWARD -o ${iface.name} ${queue}`),
    ...ingress.map((iface) => `-A FORWARD -i ${iface.name} ${queue}`),
    ...ingress.map((iface) => `-A INPUT -i ${iface.name} ! -p ${IPPROTO_GRE} ${queue}`),
    ...egress.map((iface) => `-A OUTPUT -o ${iface.name} -m mark ! --mark 0x${PLAIN_IP_MARK.toString(16)} ${queue}`),
    'COMMIT',
    '',
  ].join('\n');
}

export type PlainIpResult = { impaired: true } | { impaired: false; reason: string };

/**
 * Puts each router's rules in its namespace (replacing the ones before). Only with the C forwarder,
 * which binds the queue before it says ready. The rules let packets bypass a queue nobody has bound
 * (a forwarder that could not bind it says so in its log), so the lab is never worse than plain kernel
 * forwarding. Without iptables the lab still routes plain IP but cannot impair it; that is returned as
 * the reason rather than thrown, since GRE probing is unaffected.
 */
export function applyPlainIp(nodes: LabNode[], forwarder: 'c' | 'node' | undefined, impairments: ImpairmentTable, restore = 'iptables-restore'): PlainIpResult {
  if (forwarder !== 'c') return { impaired: false, reason: 'the Node router has no netfilter queue, so plain IP is routed but not impaired; expected the C forwarder' };
  for (const node of nodes.filter((candidate) => candidate.kind === 'router')) {
    try {
      execFileSync('ip', ['netns', 'exec', node.namespace, restore], { input: plainIpRuleset(node, impairments), stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      const failed = error as { stderr?: Buffer; message: string };
      const stderr = failed.stderr?.toString() || failed.message;
      if (/exec of .* failed: No such file/.test(stderr)) {
        return { impaired: false, reason: `${restore} is not installed, so plain IP is routed but not impaired; expected the iptables package (lab/install-deps.sh)` };
      }
      throw new LabCommandError(`ip netns exec ${node.namespace} ${restore}`, stderr);
    }
  }
  return { impaired: true };
}
