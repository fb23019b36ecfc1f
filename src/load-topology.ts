/**
 * Turns a `--topology` argument into a graph. The file's format (ExaBGP JSON lines, the hackathon's
 * neighbor table, pathmon's YAML) is recognised by its content, so engineers never say which it is.
 * Lines an ExaBGP capture could not give us are reported, not fatal: that is what the live feed does.
 */
import { readFileSync } from 'node:fs';
import { buildTopology, topologyEventsFromText, type TopologyGraph } from '../topology/index.js';
import { CliError } from './cli-error.js';

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
    throw new CliError(`pathmon: cannot read topology file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; expected a readable YAML, neighbor table or ExaBGP JSON file`);
  }
  const { format, events, skipped } = topologyEventsFromText(text, file);
  return { topology: buildTopology(events), format, skipped };
}
