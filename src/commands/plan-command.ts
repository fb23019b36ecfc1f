/**
 * `pathmon plan`: the link-cover plan one prober would send, without sending anything: the walks,
 * how often each directed link is crossed, which links are identifiable, the link groups no walk can
 * separate (with why), and the links no walk can reach (with why). It answers "which links would a
 * fault be pinned to, and which would it only be narrowed down to?" before a single probe goes out.
 */
import { planLinkCover, type HostDeclaration, type LinkCoverPlan, type TopologyGraph } from '../../topology/index.js';
import { openTopology } from '../load-topology.js';
import { textTable } from '../report/text-table.js';
import { reportSkippedLines } from './skipped-lines.js';

export interface PlanOptions {
  topology: string;
  /** Hosts to attach (`--host NAME=ADDRESS/LEN`, repeatable). */
  host?: HostDeclaration[];
  /** How long to wait for ExaBGP's End-of-RIB. */
  waitMs: number;
  prober: string;
  /** Walks each directed link should be crossed by. */
  coverage: number;
  /** Walks each direction is crossed by without its reverse; absent: coverage + 1. */
  separation?: number;
  /** Most links one walk may cross (24 bytes of header each). */
  maxHops: number;
  json?: boolean;
}

/** Lists of links longer than this are cut in the text output (--json has them all). */
const SHOWN = 20;

export async function planCommand(options: PlanOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { source, topology, skipped } = await openTopology(options.topology, options.waitMs, { hosts: options.host ?? [] });
  try {
    reportSkippedLines(options.topology, skipped, err);
    const plan = planLinkCover(topology, { prober: options.prober, coverage: options.coverage, maxHops: options.maxHops, ...(options.separation !== undefined && { separation: options.separation }) });
    out.write(options.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : planText(topology, plan, options));
    return 0;
  } finally {
    await source.close();
  }
}

function planJson(plan: LinkCoverPlan): object {
  return {
    walks: plan.walks.map((walk) => ({ id: walk.id, names: walk.names, linkKeys: walk.links.map((link) => link.key), hops: walk.links.length })),
    coverage: Object.fromEntries(plan.coverage),
    groups: plan.groups,
    unreachable: plan.unreachable,
    underCovered: plan.underCovered,
    identifiable: plan.identifiable,
    links: plan.linkKeys.length,
    computeMs: plan.computeMs,
  };
}

function planText(topology: TopologyGraph, plan: LinkCoverPlan, options: PlanOptions): string {
  const label = (key: string) => linkLabel(topology, key);
  const covered = [...plan.coverage.values()].filter((walks) => walks >= options.coverage).length;
  const lines = [
    `${plan.walks.length} walks from ${options.prober} (coverage ${options.coverage}, maxHops ${options.maxHops}), planned in ${plan.computeMs.toFixed(1)} ms`,
    `${plan.linkKeys.length} directed links: ${covered} covered ≥ ${options.coverage}, ${plan.identifiable} identifiable, ` +
      `${plan.groups.reduce((n, g) => n + g.linkKeys.length, 0)} in ${plan.groups.length} group(s) of links that cannot be told apart, ${plan.underCovered.length} under-covered; ${plan.unreachable.length} unreachable`,
  ];
  if (plan.groups.length > 0) {
    lines.push('', 'groups (a fault on one member is only narrowed down to the group):');
    for (const group of plan.groups) lines.push(`  ${group.id}  ${group.labels.join(', ')}: ${group.reason}`);
  }
  section(
    lines,
    'unreachable (no walk can cross these):',
    plan.unreachable.map((entry) => `${label(entry.linkKey)}: ${entry.reason}`),
  );
  section(
    lines,
    `under-covered (crossed fewer than ${options.coverage} times):`,
    plan.underCovered.map((entry) => `${label(entry.linkKey)}: ${entry.walks} walks; ${entry.reason}`),
  );
  lines.push(
    '',
    textTable(
      ['walk', 'route', 'hops'],
      plan.walks.map((walk) => [walk.id, walk.names.join(' '), walk.links.length]),
    ),
  );
  return `${lines.join('\n')}\n`;
}

function section(lines: string[], title: string, entries: string[]): void {
  if (entries.length === 0) return;
  lines.push('', title, ...entries.slice(0, SHOWN).map((entry) => `  ${entry}`));
  if (entries.length > SHOWN) lines.push(`  ... and ${entries.length - SHOWN} more (--json lists them all)`);
}

function linkLabel(topology: TopologyGraph, key: string): string {
  if (!topology.graph.hasEdge(key)) return key;
  const link = topology.graph.getEdgeAttributes(key);
  return `${topology.node(link.from).name}→${topology.node(link.to).name}`;
}
