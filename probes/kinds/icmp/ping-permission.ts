/**
 * Whether this process may open an unprivileged ping socket, and what to grant when it may not. Linux
 * lets a process open SOCK_DGRAM/IPPROTO_ICMP when one of its groups lies in the sysctl
 * net.ipv4.ping_group_range ("first last"; the default "1 0" allows nobody). The range is per network
 * namespace, so it is read from /proc of the namespace the prober runs in.
 */
import { readFileSync } from 'node:fs';

export interface ProcessGroups {
  gid: number;
  groups: number[];
}

/** Parses "first last"; undefined when the text is not two whole numbers. */
export function parsePingGroupRange(text: string): [number, number] | undefined {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2])];
}

/** Whether any of the process's groups lies in `rangeText`. */
export function pingGroupsAllow(rangeText: string | undefined, process: ProcessGroups): boolean {
  const range = rangeText === undefined ? undefined : parsePingGroupRange(rangeText);
  if (!range) return false;
  const [first, last] = range;
  return [process.gid, ...process.groups].some((gid) => gid >= first && gid <= last);
}

export function readPingGroupRange(): string | undefined {
  try {
    return readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function currentGroups(): ProcessGroups {
  return { gid: process.getgid?.() ?? 0, groups: process.getgroups?.() ?? [] };
}

/**
 * What to grant, as lines an operator can paste. The capability must reach the target-io helper, a
 * separate executable: an ambient capability is inherited by it, a file capability on the node binary is
 * not, so setcap names the helper itself.
 */
export function icmpPermissionHint(helperPath: string, groups: ProcessGroups, rangeText: string | undefined): string {
  return (
    `Grant CAP_NET_RAW to the prober: AmbientCapabilities=CAP_NET_RAW in its systemd unit, or run it under ` +
    `\`setpriv --inh-caps +net_raw --ambient-caps +net_raw\`, or \`setcap cap_net_raw+ep ${helperPath}\` on the helper; ` +
    `or let its group (gid ${groups.gid}) open unprivileged ping sockets: \`sysctl -w net.ipv4.ping_group_range="${groups.gid} ${groups.gid}"\`` +
    ` (it is now "${rangeText === undefined ? 'unreadable' : rangeText.split(/\s+/).join(' ')}")`
  );
}
