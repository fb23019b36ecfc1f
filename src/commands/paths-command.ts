/**
 * `pathmon paths`: lists every simple path between two endpoints and the hop addresses a probe along
 * each would use. Nothing is sent; it answers "what would pathmon probe?".
 *
 * With `exabgp:FILE` it answers once ExaBGP's End-of-RIB arrived (bounded by --wait-ms). With --watch it
 * then follows the feed: every re-plan (debounced) prints which paths are gone and which were added,
 * and how long the re-plan took from the change's arrival, until stopped.
 */
import { cheapestIndexes, igpCost, type HostDeclaration, type ReturnMode } from '../../topology/index.js';
import { freshnessJson, pathJson, Replanner, untilAborted, type GroupedPath, type PlanDiff } from '../live/index.js';
import { openTopology } from '../load-topology.js';
import { planPaths } from '../plan-paths.js';
import { textTable } from '../report/text-table.js';
import { reportSkippedLines } from './skipped-lines.js';

export interface PathsOptions {
  topology: string;
  from: string;
  to: string;
  maxHops?: number;
  maxPaths?: number;
  mode: ReturnMode;
  json?: boolean;
  /** How long to wait for ExaBGP's End-of-RIB. Default 30,000 ms. */
  waitMs?: number;
  watch?: boolean;
  /** Hosts to attach (`--host NAME=ADDRESS/LEN`, repeatable). */
  host?: HostDeclaration[];
}

export const DEFAULT_WAIT_MS = 30_000;

export async function pathsCommand(options: PathsOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream, stop?: AbortSignal): Promise<number> {
  const { source, topology, skipped } = await openTopology(options.topology, options.waitMs ?? DEFAULT_WAIT_MS, { hosts: options.host ?? [] });
  try {
    reportSkippedLines(options.topology, skipped, err);
    if (options.watch) return await watchPaths(options, source, out, stop ?? new AbortController().signal);
    const { planned, totalWithinHops } = planPaths(topology, options.from, options.to, options, options.mode);

    if (options.json) {
      out.write(`${JSON.stringify({ mode: options.mode, totalWithinHops, paths: planned.map(pathJson) }, null, 2)}\n`);
      return 0;
    }
    out.write(`${pathsTable(planned)}\n`);
    const cut = totalWithinHops > planned.length ? `, ${totalWithinHops} within the hop bound (raise --max-paths to see more)` : '';
    out.write(`${planned.length} paths from ${options.from} to ${options.to} (${options.mode} mode${cut})\n`);
    return 0;
  } finally {
    await source.close();
  }
}

/**
 * One row per path; with IGP metrics (BGP-LS), each path's cost and a `*` on the cheapest: where the
 * IGP sends the pair's user traffic, so raising a link's metric shows the traffic moving off it.
 */
function pathsTable(planned: GroupedPath[] | ReturnType<typeof planPaths>['planned']): string {
  const costs = planned.map(({ path }) => igpCost(path.links));
  const cheapest = cheapestIndexes(costs);
  const rows = planned.map(({ path, hops, unaddressable }, index) => [index + 1, path.links.length, path.names.join(' '), hops ? hops.hops.join(' ') : `(${unaddressable})`]);
  if (cheapest.size === 0) return textTable(['#', 'links', 'path', 'hop addresses'], rows);
  const table = textTable(
    ['#', 'links', 'IGP cost', 'path', 'hop addresses'],
    rows.map(([n, links, ...rest], index) => [n, links, `${costs[index] ?? '-'}${cheapest.has(index) ? ' *' : ''}`, ...rest]),
  );
  return `${table}\n* the IGP's choice (lowest cost): where user traffic between the pair goes`;
}

async function watchPaths(options: PathsOptions, source: Awaited<ReturnType<typeof openTopology>>['source'], out: NodeJS.WritableStream, stop: AbortSignal): Promise<number> {
  const target = { group: 'paths', from: options.from, to: options.to, bounds: { maxHops: options.maxHops, maxPaths: options.maxPaths }, mode: options.mode };
  const replanner = new Replanner(source, [target]);
  const now = (): string => new Date().toISOString();
  const problems = (diff: PlanDiff): string[] => diff.problems.map((p) => p.reason);
  const json = (value: object): void => {
    out.write(`${JSON.stringify(value)}\n`);
  };
  const first = replanner.start();
  if (options.json) {
    json({ time: now(), event: 'plan', mode: options.mode, topology: freshnessJson(source.status()), paths: first.added.map(pathJson), problems: problems(first) });
  } else {
    out.write(`${pathsTable(first.added)}\n${now()} ${first.added.length} paths from ${options.from} to ${options.to}${first.problems.length ? `; ${problems(first).join('; ')}` : ''}\n`);
  }
  replanner.onPlan((diff) => {
    if (options.json) {
      json({
        time: now(),
        event: 'replan',
        added: diff.added.map(pathJson),
        gone: diff.gone.map(pathJson),
        kept: diff.kept.length,
        paths: diff.added.length + diff.kept.length,
        problems: problems(diff),
        replanMs: diff.replanMs,
        computeMs: diff.computeMs ?? null,
        sinceExabgpPrintMs: diff.sinceExabgpPrintMs ?? null,
        topology: freshnessJson(source.status()),
      });
      return;
    }
    out.write(`${now()} re-planned in ${diff.replanMs?.toFixed(1)} ms: ${diff.gone.length} gone, ${diff.added.length} added, ${diff.kept.length} kept\n`);
    for (const p of diff.gone) out.write(`  gone  ${p.path.names.join(' ')}\n`);
    for (const p of diff.added) out.write(`  added ${p.path.names.join(' ')}\n`);
    for (const reason of problems(diff)) out.write(`  problem: ${reason}\n`);
  });
  let freshness = source.status().freshness;
  const unsubscribe = source.onChange(() => {
    const status = source.status();
    if (status.freshness === freshness) return;
    freshness = status.freshness;
    if (options.json) json({ time: now(), event: 'freshness', ...freshnessJson(status) });
    else
      out.write(
        `${now()} topology ${status.freshness}${status.lastRestartReason && status.freshness === 'stale' ? ` (exabgp restarts: ${status.restarts}, last: ${status.lastRestartReason})` : ''}\n`,
      );
  });
  // A file never changes: the plan is all there is.
  if (source.status().freshness !== 'static') await untilAborted(stop);
  unsubscribe();
  replanner.close();
  return 0;
}
