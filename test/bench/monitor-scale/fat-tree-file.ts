/**
 * The monitor-at-scale topology as files `pathmon run` reads: a k-ary fat-tree (test/bench/fat-tree.ts)
 * written as a YAML topology with a /31 on every link, `hostsPerEdge` hosts on every edge switch, and a
 * config that probes from the first host to every other host (one group) plus the link-cover walks.
 * Written, not hand-made, so the files in this folder can be regenerated and checked:
 *
 *   node dist/test/bench/monitor-scale/fat-tree-file.js 8 1 test/bench/monitor-scale   (k, hosts per edge switch, folder)
 *
 * Addresses: link i gets 10.(i >> 14 & 255).(i >> 6 & 255).((i & 63) * 4)/31 on its two ends (a
 * /30-aligned /31, so neighbouring links never touch), enough for 4 million links.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fatTree, edgeSwitch } from '../fat-tree.js';

export interface FatTreeFiles {
  topologyYaml: string;
  configYaml: string;
  prober: string;
  /** The prober's address with its prefix (10.x.y.z/31), to put on an interface. */
  proberAddress: string;
  endpoints: string[];
}

export interface MonitorScaleConfig {
  /** Relative to the config file. */
  topologyFile: string;
  /** Of the group's paths. */
  maxHops: number;
  /** Of the cover walks; default maxHops. */
  walkMaxHops?: number;
  maxPaths: number;
  intervalMs: number;
  probesPerRound: number;
  probeSpacingMs: number;
  timeoutMs: number;
  localize: boolean;
}

function linkAddresses(index: number): [string, string] {
  const base = `10.${(index >> 14) & 255}.${(index >> 6) & 255}`;
  const last = (index & 63) * 4;
  return [`${base}.${last}/31`, `${base}.${last + 1}/31`];
}

export const hostName = (pod: number, edge: number, host: number): string => `h${pod}-${edge}-${host}`;

export function fatTreeFiles(k: number, hostsPerEdge: number, config: MonitorScaleConfig): FatTreeFiles {
  if (!Number.isInteger(hostsPerEdge) || hostsPerEdge < 1) throw new Error(`bench.fatTreeFiles: hostsPerEdge must be a whole number of at least 1, got ${hostsPerEdge}`);
  const tree = fatTree(k);
  const hosts: string[] = [];
  const links: string[] = [];
  const hostAddresses: string[] = [];
  const addLink = (a: string, b: string) => {
    const [aAddress, bAddress] = linkAddresses(links.length);
    links.push(`  - { a: ${a}, aAddress: ${aAddress}, b: ${b}, bAddress: ${bAddress} }`);
    return aAddress;
  };
  for (const [a, b] of tree.edges) addLink(a, b);
  for (let pod = 0; pod < k; pod++) {
    for (let edge = 0; edge < k / 2; edge++) {
      for (let host = 0; host < hostsPerEdge; host++) {
        const name = hostName(pod, edge, host);
        hosts.push(name);
        hostAddresses.push(addLink(name, edgeSwitch(pod, edge)));
      }
    }
  }
  const topologyYaml = [
    `# A k=${k} fat-tree with ${hostsPerEdge} host(s) per edge switch, written by fat-tree-file.ts; do not edit by hand.`,
    `name: fat-tree-k${k}`,
    'routers:',
    ...tree.switches.map((s) => `  - { name: ${s.name} }`),
    'hosts:',
    ...hosts.map((h) => `  - { name: ${h} }`),
    'links:',
    ...links,
    '',
  ].join('\n');
  const [prober, ...endpoints] = hosts as [string, ...string[]];
  const configYaml = [
    `# pathmon run at scale (test/bench/monitor-scale.bench.ts), written by fat-tree-file.ts; do not edit by hand.`,
    `# The prober ${prober} probes every other host of the k=${k} fat-tree, plus the link-cover walks.`,
    `topology: ${config.topologyFile}`,
    `prober: { node: ${prober}, listenAddress: 0.0.0.0 }`,
    'probing:',
    `  intervalMs: ${config.intervalMs}`,
    `  probesPerRound: ${config.probesPerRound}`,
    `  probeSpacingMs: ${config.probeSpacingMs}`,
    `  timeoutMs: ${config.timeoutMs}`,
    `pathBounds: { maxHops: ${config.maxHops}, maxPaths: ${config.maxPaths} }`,
    `localize: { enabled: ${config.localize}, maxHops: ${config.walkMaxHops ?? config.maxHops}, probesPerWalk: ${config.probesPerRound}, probeSpacingMs: ${config.probeSpacingMs} }`,
    'groups:',
    `  - name: fabric`,
    `    endpoints: [${endpoints.join(', ')}]`,
    '',
  ].join('\n');
  return { topologyYaml, configYaml, prober, proberAddress: hostAddresses[0]!, endpoints };
}

/** The bench's files: k=8, one host per edge switch, maxHops 8, two probes per route. */
export const benchConfig: MonitorScaleConfig = {
  topologyFile: 'fat-tree-k8-h1.yaml',
  maxHops: 8,
  maxPaths: 100_000,
  intervalMs: 5000,
  probesPerRound: 2,
  probeSpacingMs: 500,
  timeoutMs: 1000,
  localize: true,
};

if (process.argv[1]?.endsWith('fat-tree-file.js') && process.argv.length >= 5) {
  const [k, hostsPerEdge, dir] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]!];
  const name = `k${k}-h${hostsPerEdge}`;
  const files = fatTreeFiles(k, hostsPerEdge, { ...benchConfig, topologyFile: `fat-tree-${name}.yaml` });
  writeFileSync(join(dir, `fat-tree-${name}.yaml`), files.topologyYaml);
  writeFileSync(join(dir, `monitor-${name}.yaml`), files.configYaml);
  // The same monitor with paths of at most 4 hops (the prober's own pod only): the baseline that the
  // per-route memory is measured against.
  const base = fatTreeFiles(k, hostsPerEdge, { ...benchConfig, topologyFile: `fat-tree-${name}.yaml`, maxHops: 4, walkMaxHops: benchConfig.maxHops });
  writeFileSync(join(dir, `monitor-${name}-base.yaml`), base.configYaml);
  process.stdout.write(`wrote ${join(dir, `fat-tree-${name}.yaml`)} and ${join(dir, `monitor-${name}.yaml`)}: prober ${files.prober} (${files.proberAddress}), ${files.endpoints.length} endpoints\n`);
}
