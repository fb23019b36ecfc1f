/**
 * The configuration files of the chain's daemons, as text, from the lab plan: zebra and ospfd per
 * router, gobgpd on the speaker, and the ordinary ExaBGP neighbor configuration the prober uses.
 *
 * Choices that matter, and why:
 * - OSPF, point-to-point on every router-router veth (no DR election, no pseudonodes: one link NLRI per
 *   direction, as pathmon's graph wants), host-facing interfaces passive (their subnet is advertised,
 *   no adjacency is tried towards a host).
 * - hello 1 s, dead 3 s: a link set down is noticed at once through the interface going down; the dead
 *   interval only covers failures the kernel does not see, and 3 s leaves room on a busy 2-core machine
 *   where a sub-second dead interval would flap adjacencies that are fine.
 * - LSA throttling off (`timers throttle lsa all 0`, `timers lsa min-arrival 0`): a change is
 *   originated and accepted at once, so a down followed quickly by an up is not held back a second.
 * - zebra installs no OSPF route (`ip protocol ospf route-map ... deny`): the lab's static routes, which
 *   the GRE routers and probes use and `lab impair --up` restores, stay the only routes, so probing
 *   behaves exactly as in a lab without `--bgp-ls`. OSPF is there to be watched, not to forward.
 * - ospfd logs every adjacency state change (`log-adjacency-changes detail`) at informational level to
 *   its own file: `lab up --syslog` forwards that file to pathmon's syslog receiver (syslog-forward.ts),
 *   so the lab's real daemon is the source of the device events pathmon correlates with incidents.
 * - gobgpd is passive: ExaBGP connects out to port 179 (it never listens), so gobgpd only answers.
 * - Graceful restart is configured on both ends only because gobgpd sends End-of-RIB to no other peer,
 *   and End-of-RIB is how pathmon knows the whole topology has arrived.
 */
import type { LabNode } from '../lab-plan.js';
import { DEFAULT_LINK_METRIC } from '../../topology/index.js';
import type { BgpLsPlan } from './bgp-ls-plan.js';

export const OSPF_HELLO_S = 1;
export const OSPF_DEAD_S = 3;
/** Default 5 s: one lost database-description packet while an adjacency forms would hold a link back 5 s. */
export const OSPF_RETRANSMIT_S = 1;
export const EXABGP_HOLD_TIME_S = 30;
const NO_FIB_ROUTE_MAP = 'pathmon-no-fib';

export function zebraConf(router: LabNode): string {
  return ['frr defaults traditional', `hostname ${router.name}`, `route-map ${NO_FIB_ROUTE_MAP} deny 10`, 'exit', `ip protocol ospf route-map ${NO_FIB_ROUTE_MAP}`, ''].join('\n');
}

/** `logFile`: where ospfd writes its log (informational and above, adjacency changes included). */
export function ospfdConf(router: LabNode, routerId: string, logFile?: string): string {
  const lines = ['frr defaults traditional', `hostname ${router.name}`];
  if (logFile !== undefined) lines.push(`log file ${logFile} informational`);
  for (const iface of router.interfaces) {
    lines.push(`interface ${iface.name}`, ' ip ospf area 0.0.0.0', ' ip ospf network point-to-point');
    lines.push(` ip ospf hello-interval ${OSPF_HELLO_S}`, ` ip ospf dead-interval ${OSPF_DEAD_S}`, ` ip ospf retransmit-interval ${OSPF_RETRANSMIT_S}`);
    lines.push(` ip ospf cost ${ospfCost(iface.metric)}`, 'exit');
  }
  lines.push('router ospf', ` ospf router-id ${routerId}`, ' log-adjacency-changes detail');
  for (const iface of router.interfaces.filter((candidate) => candidate.peerKind === 'host')) lines.push(` passive-interface ${iface.name}`);
  lines.push(' timers throttle lsa all 0', ' timers throttle spf 0 50 500', ' timers lsa min-arrival 0', 'exit', '');
  return lines.join('\n');
}

/** OSPF costs are 16 bits; a larger metric from the file (IS-IS wide range) is capped at 65535. */
function ospfCost(metric: number | undefined): number {
  if (metric === undefined) return DEFAULT_LINK_METRIC;
  return Math.min(Math.max(metric, 1), 65535);
}

export function gobgpdToml(bgp: BgpLsPlan): string {
  return [
    '# written by pathmon lab up --bgp-ls: BGP-LS towards the prober, routes added over gRPC by the originator',
    '[global.config]',
    `  as = ${bgp.labAsn}`,
    `  router-id = "${bgp.speakerAddress}"`,
    `  local-address-list = ["${bgp.speakerAddress}"]`,
    '',
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = "${bgp.proberAddress}"`,
    `    peer-as = ${bgp.proberAsn}`,
    '  [neighbors.transport.config]',
    '    passive-mode = true',
    `    local-address = "${bgp.speakerAddress}"`,
    '  # gobgpd sends End-of-RIB only to a peer that negotiated graceful restart; pathmon waits for it.',
    '  [neighbors.graceful-restart.config]',
    '    enabled = true',
    '  [[neighbors.afi-safis]]',
    '    [neighbors.afi-safis.config]',
    '      afi-safi-name = "ls"',
    '    [neighbors.afi-safis.mp-graceful-restart.config]',
    '      enabled = true',
    '',
  ].join('\n');
}

/** An ordinary ExaBGP neighbor configuration for the prober: `pathmon ... --topology exabgp:FILE` adds its feed. */
export function exabgpConf(bgp: BgpLsPlan): string {
  return [
    `# BGP-LS from the lab's speaker ${bgp.speaker} to ${bgp.prober}; run ExaBGP in ${bgp.prober} (pathmon lab exec ${bgp.prober} -- ...)`,
    `neighbor ${bgp.speakerAddress} {`,
    `    router-id ${bgp.proberAddress};`,
    `    local-address ${bgp.proberAddress};`,
    `    local-as ${bgp.proberAsn};`,
    `    peer-as ${bgp.labAsn};`,
    `    hold-time ${EXABGP_HOLD_TIME_S};`,
    '    # graceful restart, so gobgpd sends End-of-RIB: the mark that the whole topology has arrived',
    '    capability {',
    `        graceful-restart ${EXABGP_HOLD_TIME_S * 4};`,
    '    }',
    '    family {',
    '        bgp-ls bgp-ls;',
    '    }',
    '}',
    '',
  ].join('\n');
}
