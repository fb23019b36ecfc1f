/**
 * Is the prober really here? Probes leave from the prober node's address on each first link (the
 * source address of the outer header). If no interface on this host has that address, the kernel still
 * sends the raw packets, out of whatever its routing table says (usually the default route), with a
 * source address replies can never come back to: the monitor would probe from the wrong place and report
 * every path down. So `pathmon run` refuses unless told otherwise (`--allow-foreign-source`, for a
 * prober behind address translation or a lab that routes the address in by other means).
 *
 * Interfaces are passed in (default: this host's), so the check is a pure function of its inputs.
 */
import { networkInterfaces } from 'node:os';

type Interfaces = ReturnType<typeof networkInterfaces>;

/** Every address configured on an interface of this host (IPv4 and IPv6, loopback included). */
export function localAddresses(interfaces: Interfaces = networkInterfaces()): Set<string> {
  const addresses = new Set<string>();
  for (const entries of Object.values(interfaces)) for (const entry of entries ?? []) addresses.add(entry.address);
  return addresses;
}

/** The addresses among `sources` that no local interface has, in the order given. */
export function foreignAddresses(sources: readonly string[], interfaces: Interfaces = networkInterfaces()): string[] {
  const local = localAddresses(interfaces);
  return sources.filter((address) => !local.has(address));
}
