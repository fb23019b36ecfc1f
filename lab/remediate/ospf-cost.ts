/**
 * `node dist/lab/remediate/ospf-cost.js --lab NAME --link R4↔R6 (--cost N | --restore)`: the lab's
 * isolate and restore commands for the link isolation workflow. It raises (or puts back) the OSPF cost
 * of both ends of a link through FRR's vtysh inside the routers' namespaces of a `lab up --bgp-ls` lab,
 * so the IGP moves traffic off the link, BGP-LS carries the new metric to pathmon, and the cover walks,
 * which are forced leg by leg, still measure the isolated link.
 *
 * The link may be written as pathmon labels it (`R4↔R6`, `R4→R6`) or `R4-R6`; `--restore` puts back the
 * cost the lab configured (the link's metric in the topology file). Each router's vtysh reaches its own
 * ospfd through the lab's per-router vty socket directory (daemons run with `--vty_socket`).
 * `--dry-run` prints the commands instead of running them (tests, and to see what it would do).
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { DEFAULT_LINK_METRIC } from '../../topology/index.js';
import { bgpLsFiles } from '../bgp-ls/bgp-ls-up.js';
import type { LabPlan } from '../lab-plan.js';
import { labDir, readPlan } from '../lab-state.js';

export interface CostChange {
  router: string;
  namespace: string;
  interfaceName: string;
  cost: number;
  argv: string[];
}

/** `R4↔R6`, `R4→R6` or `R4-R6` as the two router names. */
export function linkEnds(link: string, plan: LabPlan): [string, string] {
  const names = new Set(plan.nodes.map((n) => n.name));
  for (const separator of ['↔', '→', '-']) {
    let at = link.indexOf(separator);
    while (at > 0) {
      const a = link.slice(0, at);
      const b = link.slice(at + separator.length);
      if (names.has(a) && names.has(b)) return [a, b];
      at = link.indexOf(separator, at + 1);
    }
  }
  throw new Error(`lab.ospfCost: link "${link}" names no two nodes of lab ${plan.lab}; expected "A↔B", "A→B" or "A-B" with A and B among ${[...names].join(', ')}`);
}

/** The vtysh command per end of the link; `cost` null puts back the lab's configured cost. */
export function ospfCostChanges(plan: LabPlan, dir: string, link: string, cost: number | null): CostChange[] {
  const [a, b] = linkEnds(link, plan);
  const changes: CostChange[] = [];
  for (const [router, peer] of [
    [a, b],
    [b, a],
  ] as const) {
    const node = plan.nodes.find((n) => n.name === router)!;
    const ifaces = node.interfaces.filter((i) => i.peer === peer);
    if (ifaces.length !== 1) {
      throw new Error(`lab.ospfCost: ${router} has ${ifaces.length} interfaces towards ${peer}; expected exactly one (parallel links cannot be told apart by names)`);
    }
    const iface = ifaces[0]!;
    const value = cost ?? Math.min(Math.max(iface.metric ?? DEFAULT_LINK_METRIC, 1), 65535);
    changes.push({
      router,
      namespace: node.namespace,
      interfaceName: iface.name,
      cost: value,
      argv: ['ip', 'netns', 'exec', node.namespace, 'vtysh', '--vty_socket', bgpLsFiles(dir).frr(router), '-c', 'configure terminal', '-c', `interface ${iface.name}`, '-c', `ip ospf cost ${value}`],
    });
  }
  return changes;
}

function main(args: string[]): void {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const lab = value('--lab');
  const link = value('--link');
  const costText = value('--cost');
  const restore = args.includes('--restore');
  if (!lab || !link || (costText === undefined) === !restore) {
    throw new Error('usage: ospf-cost --lab NAME --link A↔B (--cost 1..65535 | --restore) [--dry-run]');
  }
  const cost = restore ? null : Number(costText);
  if (cost !== null && (!Number.isInteger(cost) || cost < 1 || cost > 65535)) throw new Error(`lab.ospfCost: --cost ${costText}; expected an OSPF cost 1..65535`);
  const dir = labDir(lab);
  for (const change of ospfCostChanges(readPlan(dir), dir, link, cost)) {
    if (args.includes('--dry-run')) {
      console.log(change.argv.join(' '));
      continue;
    }
    execFileSync(change.argv[0]!, change.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    console.log(`${change.router} ${change.interfaceName}: ip ospf cost ${change.cost}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
