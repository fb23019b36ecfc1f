/**
 * `pathmon paths`: lists every simple path between two endpoints and the hop addresses a probe along
 * each would use. Nothing is sent; it answers "what would pathmon probe?".
 */
import type { ReturnMode } from '../../topology/index.js';
import { loadTopology } from '../load-topology.js';
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
}

export function pathsCommand(options: PathsOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void {
  const { topology, skipped } = loadTopology(options.topology);
  reportSkippedLines(options.topology, skipped, err);
  const { planned, totalWithinHops } = planPaths(topology, options.from, options.to, options, options.mode);

  if (options.json) {
    const paths = planned.map(({ path, hops, unaddressable }) => ({
      id: path.id,
      path: path.names,
      linkCount: path.links.length,
      hops: hops?.hops ?? null,
      hopNames: hops?.hopNames ?? null,
      returnAddress: hops?.returnAddress ?? null,
      ...(unaddressable ? { unaddressable } : {}),
    }));
    out.write(`${JSON.stringify({ mode: options.mode, totalWithinHops, paths }, null, 2)}\n`);
    return;
  }
  out.write(
    `${textTable(
      ['#', 'links', 'path', 'hop addresses'],
      planned.map(({ path, hops, unaddressable }, index) => [index + 1, path.links.length, path.names.join(' '), hops ? hops.hops.join(' ') : `(${unaddressable})`]),
    )}\n`,
  );
  const cut = totalWithinHops > planned.length ? `, ${totalWithinHops} within the hop bound (raise --max-paths to see more)` : '';
  out.write(`${planned.length} paths from ${options.from} to ${options.to} (${options.mode} mode${cut})\n`);
}
