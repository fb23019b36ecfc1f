/**
 * Who and what this agent is, read from the host: a stable id (the machine id systemd writes once per
 * installation, so it survives restarts and renames), the hostname, every interface with its
 * addresses, and what it can probe with. Raw sockets are a capability, not a guess: CAP_NET_RAW is read
 * from the process's effective capability set, because running as root in a container without it is
 * the case that fails later and most confusingly.
 */
import { readFileSync } from 'node:fs';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { FleetError } from './fleet-error.js';

export interface AgentInterface {
  name: string;
  /** `addr/prefix`, IPv4 and IPv6. */
  addresses: string[];
  mac: string | null;
  internal: boolean;
}

export type ProbeKind = 'gre' | 'icmp' | 'tcp' | 'udp';
export const PROBE_KINDS: readonly ProbeKind[] = ['gre', 'icmp', 'tcp', 'udp'];

export interface AgentCapabilities {
  /** CAP_NET_RAW in the effective set: needed for GRE paths and ICMP. */
  rawSockets: boolean;
  /** Kernel receive timestamps (the probe-rx helper); null until the receiver has been opened. */
  kernelTimestamps: boolean | null;
  /** What this agent can run. Without raw sockets: only TCP and UDP. */
  probeKinds: ProbeKind[];
}

export interface AgentIdentity {
  agentId: string;
  hostname: string;
  interfaces: AgentInterface[];
  capabilities: AgentCapabilities;
}

const MACHINE_ID_FILES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];
const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The configured id, else the machine id. @throws FleetError when neither gives an id. */
export function agentIdFor(override: string | undefined, files: readonly string[] = MACHINE_ID_FILES): string {
  if (override !== undefined) {
    if (!AGENT_ID.test(override)) {
      throw new FleetError('bad-value', `fleet.agentIdFor: agent id ${JSON.stringify(override)} is not valid; expected 1 to 64 letters, digits, "_", "." or "-"`);
    }
    return override;
  }
  for (const file of files) {
    try {
      const id = readFileSync(file, 'utf8').trim();
      if (AGENT_ID.test(id)) return id;
    } catch {
      // Next file.
    }
  }
  throw new FleetError('bad-value', `fleet.agentIdFor: no machine id in ${files.join(' or ')}; expected one there (systemd-machine-id-setup) or fleet.agentId in the config`);
}

export function hostInterfaces(): AgentInterface[] {
  return Object.entries(networkInterfaces())
    .map(([name, entries]) => ({
      name,
      addresses: (entries ?? []).map((entry) => entry.cidr ?? entry.address),
      mac: (entries ?? []).find((entry) => entry.mac && entry.mac !== '00:00:00:00:00:00')?.mac ?? null,
      internal: (entries ?? []).every((entry) => entry.internal),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** CAP_NET_RAW (bit 13) in the effective capability set of this process, from /proc/self/status. */
export function hasNetRaw(statusText?: string): boolean {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return false;
    }
  }
  const match = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(text);
  if (!match) return false;
  return (BigInt(`0x${match[1]}`) & (1n << 13n)) !== 0n;
}

export function detectCapabilities(kernelTimestamps: boolean | null = null, rawSockets = hasNetRaw()): AgentCapabilities {
  return {
    rawSockets,
    kernelTimestamps,
    probeKinds: rawSockets ? [...PROBE_KINDS] : ['tcp', 'udp'],
  };
}

export function hostIdentity(options: { agentId?: string | undefined; kernelTimestamps?: boolean | null } = {}): AgentIdentity {
  return {
    agentId: agentIdFor(options.agentId),
    hostname: osHostname(),
    interfaces: hostInterfaces(),
    capabilities: detectCapabilities(options.kernelTimestamps ?? null),
  };
}
