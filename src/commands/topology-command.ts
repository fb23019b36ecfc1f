/**
 * `pathmon topology`: what pathmon currently believes the fabric is. Without --watch it prints the graph
 * once converged (a table, or with --json an object with `status`, `nodes` and `links`, one link entry
 * per direction). With --watch it then prints each change as one JSON line with a timestamp, until
 * stopped: link-up/down, metric-change, node-up/down, session-up/down, end-of-rib, and `freshness`
 * when the topology goes stale or live again. Lines before convergence are the initial load and are
 * summed up in one `ready` line instead.
 */
import { freshnessJson, graphJson, openTopologySource, untilAborted, watchLine, type TopologySource } from '../live/index.js';
import type { HostDeclaration } from '../../topology/index.js';
import { openTopology } from '../load-topology.js';
import { textTable } from '../report/text-table.js';
import { reportSkippedLines } from './skipped-lines.js';

export interface TopologyOptions {
  topology: string;
  json?: boolean;
  watch?: boolean;
  waitMs: number;
  /** Hosts to attach (`--host NAME=ADDRESS/LEN`, repeatable). */
  host?: HostDeclaration[];
}

export async function topologyCommand(options: TopologyOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream, stop: AbortSignal): Promise<number> {
  if (options.watch) return watchTopology(options, out, err, stop);
  const { source, skipped } = await openTopology(options.topology, options.waitMs, { hosts: options.host ?? [] });
  try {
    reportSkippedLines(options.topology, skipped, err);
    if (options.json) out.write(`${JSON.stringify(graphJson(source.graph, source.status()), null, 2)}\n`);
    else out.write(topologyText(source));
    return 0;
  } finally {
    await source.close();
  }
}

function topologyText(source: TopologySource): string {
  const { nodes, links, status } = graphJson(source.graph, source.status());
  const dash = (v: unknown): string | number => (v === null || v === undefined ? '-' : (v as string | number));
  const nodeTable = textTable(
    ['node', 'id', 'router-id', 'kind'],
    nodes.map((n) => [n.name, n.id, dash(n.routerId), n.pseudonode ? 'pseudonode' : n.kind]),
  );
  const linkTable = textTable(
    ['from', 'to', 'local address', 'neighbor address', 'igp', 'te'],
    links.map((l) => [l.fromName, l.toName, dash(l.localAddress), dash(l.neighborAddress), dash(l.igpMetric), dash(l.teMetric)]),
  );
  return `${nodeTable}\n\n${linkTable}\n${status.spec}: ${status.freshness}, ${nodes.length} nodes, ${links.length} link directions, ${status.skippedLines} skipped lines, ${status.restarts} restarts\n`;
}

async function watchTopology(options: TopologyOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream, stop: AbortSignal): Promise<number> {
  const source = openTopologySource(options.topology, { hosts: options.host ?? [] });
  const line = (value: object): void => {
    out.write(`${JSON.stringify(value)}\n`);
  };
  let ready = false;
  let freshness = source.status().freshness;
  source.onChange((change) => {
    if (!ready) return;
    for (const c of change.changes ?? []) line(watchLine(c, source.graph, Date.now()));
    const status = source.status();
    if (status.freshness !== freshness) {
      freshness = status.freshness;
      line({ time: new Date().toISOString(), event: 'freshness', ...freshnessJson(status) });
    }
  });
  try {
    try {
      await Promise.race([source.ready(options.waitMs), untilAborted(stop)]);
    } catch (error) {
      // Keep watching: the feed may come later (a lab still starting). Say why nothing was printed yet.
      err.write(`${(error as Error).message}\npathmon: still watching; a "ready" line follows when it converges\n`);
      await Promise.race([source.ready(2 ** 31 - 1), untilAborted(stop)]);
    }
    if (stop.aborted) return 0;
    ready = true;
    freshness = source.status().freshness;
    line({ time: new Date().toISOString(), event: 'ready', spec: source.status().spec, ...freshnessJson(source.status()) });
    if (freshness === 'static') return 0;
    await untilAborted(stop);
    return 0;
  } finally {
    await source.close();
  }
}
