/**
 * DNS names to IPv4 addresses, once per round: a target named by DNS follows the name (a database that
 * fails over to another address is still the same target), and the address a round probed is
 * recorded with it. A name that does not resolve is a lost round for that target with the resolver's
 * reason, never an error that stops the others. Literal addresses are not looked up.
 */
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';

/** A host to one IPv4 address. Rejects with the resolver's reason. */
export type HostResolver = (host: string) => Promise<string>;

/** getaddrinfo (as ping and nping resolve: /etc/hosts first, then DNS), IPv4 only. */
export const systemHostResolver: HostResolver = async (host) => (await lookup(host, { family: 4 })).address;

export type Resolution = { host: string; address: string; problem: null } | { host: string; address: null; problem: string };

/**
 * Resolves each distinct host once, in parallel, each bounded by `timeoutMs` (a resolver that hangs
 * costs one round that long, not the monitor).
 */
export async function resolveHosts(hosts: Iterable<string>, resolver: HostResolver, timeoutMs: number): Promise<Map<string, Resolution>> {
  const distinct = [...new Set(hosts)];
  const answers = await Promise.all(distinct.map((host) => resolveOne(host, resolver, timeoutMs)));
  return new Map(answers.map((answer) => [answer.host, answer]));
}

async function resolveOne(host: string, resolver: HostResolver, timeoutMs: number): Promise<Resolution> {
  if (isIPv4(host)) return { host, address: host, problem: null };
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const address = await Promise.race([resolver(host), timeout]);
    if (!isIPv4(address)) return { host, address: null, problem: `${host} resolved to ${JSON.stringify(address)}, not an IPv4 address` };
    return { host, address, problem: null };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code ? `${code}${code === 'ENOTFOUND' ? ' (no such name)' : ''}` : (error as Error).message;
    return { host, address: null, problem: `${host} did not resolve: ${reason}` };
  } finally {
    clearTimeout(timer);
  }
}
