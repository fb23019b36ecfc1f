/**
 * Turns a `--topology` argument into a graph. The file's format (ExaBGP JSON lines, the hackathon's
 * neighbor table, pathmon's YAML) is recognised by its content, so engineers never say which it is.
 * Lines an ExaBGP capture could not give us are reported, not fatal: that is what the live feed does.
 * `exabgp:FILE` runs ExaBGP itself (src/live), so it is async: openTopology waits for End-of-RIB.
 */
import { readFileSync } from 'node:fs';
import { buildTopology, topologyEventsFromText, type TopologyGraph } from '../topology/index.js';
import { CliError } from './cli-error.js';
import { HostAttachedSource, openTopologySource, StaticTopologySource, type OpenTopologyOptions, type TopologySource } from './live/index.js';

export interface LoadedTopology {
  topology: TopologyGraph;
  format: string;
  skipped: { line: number; reason: string; excerpt: string }[];
}

export function loadTopology(file: string): LoadedTopology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(
      `pathmon: cannot read topology file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; expected a readable YAML, neighbor table or ExaBGP JSON file`,
    );
  }
  const { format, events, skipped } = topologyEventsFromText(text, file);
  return { topology: buildTopology(events), format, skipped };
}

export interface OpenedTopology extends LoadedTopology {
  source: TopologySource;
}

/**
 * Opens `--topology SPEC` (a file, `file:PATH` or `exabgp:FILE`) and waits until it has converged: at
 * once for a file, at ExaBGP's End-of-RIB for a live feed, a clear error after `waitMs`. The caller
 * closes `source` (it stops ExaBGP). Skipped lines of a live feed are logged as they happen, so only a
 * file's are returned in `skipped`. `options.hosts` (--host) are attached once converged and kept
 * attached; a host whose name another node has is an error here.
 */
export async function openTopology(spec: string, waitMs: number, options: OpenTopologyOptions = {}): Promise<OpenedTopology> {
  const source = openTopologySource(spec, options);
  try {
    await source.ready(waitMs);
  } catch (error) {
    await source.close();
    throw error;
  }
  const base = source instanceof HostAttachedSource ? source.inner : source;
  if (base instanceof StaticTopologySource) return { source, topology: source.graph, format: base.format, skipped: base.skipped };
  return { source, topology: source.graph, format: 'exabgp-live', skipped: [] };
}
