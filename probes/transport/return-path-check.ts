/**
 * Checks that this host will accept its own probes when they come back.
 *
 * A returning probe carries the prober's own address as its source. Linux drops such packets unless the
 * receiving interface has `accept_local=1`, and reverse-path filtering may drop them too (the effective
 * rp_filter is the larger of `all` and the interface's). Without this check the symptom is 100 % loss on
 * every path, which looks like a network fault; with it the engineer is told which sysctl to set.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

export function returnPathProblems(address: string, readSysctl: (key: string) => string | undefined = readProcSysctl): string[] {
  const device = Object.entries(networkInterfaces()).find(([, entries]) => entries?.some((entry) => entry.address === address))?.[0];
  if (!device) return [`no interface on this host has address ${address}; expected the prober to run where its --from node's address is configured`];
  const value = (key: string) => Number(readSysctl(`net/ipv4/conf/${key}`) ?? 'NaN');
  const problems: string[] = [];
  if (value(`${device}/accept_local`) !== 1 && value('all/accept_local') !== 1) {
    problems.push(`${device} drops packets from its own address: run \`sysctl -w net.ipv4.conf.${device}.accept_local=1\``);
  }
  const rpFilter = Math.max(value('all/rp_filter'), value(`${device}/rp_filter`));
  if (rpFilter !== 0 && !Number.isNaN(rpFilter)) {
    problems.push(`reverse-path filtering (rp_filter ${rpFilter}) may drop returning probes on ${device}: run \`sysctl -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.${device}.rp_filter=0\``);
  }
  return problems;
}

function readProcSysctl(key: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
