/**
 * A topology file as a TopologySource: read and parsed once with the existing parsers (YAML, neighbor
 * table, ExaBGP JSON capture), never changing, never stale. It exists so the monitor and the one-shot
 * commands treat a lab file and a live ExaBGP feed through one interface.
 */
import { readFileSync } from 'node:fs';
import { buildTopology, topologyEventsFromText, type SkippedLine, type TopologyFormat, type TopologyGraph } from '../../topology/index.js';
import { TopologySourceError } from './errors.js';
import type { TopologyChange, TopologySource, TopologySourceStatus } from './topology-source.js';

export class StaticTopologySource implements TopologySource {
  readonly graph: TopologyGraph;
  readonly format: TopologyFormat;
  /** ExaBGP capture lines that could not be used (empty for YAML and tables, which throw instead). */
  readonly skipped: SkippedLine[];
  readonly warnings: string[];
  private readonly loadedAtMs = Date.now();

  /** @throws TopologySourceError `unreadable`; TopologyError for a malformed table or YAML file. */
  constructor(readonly file: string) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new TopologySourceError(
        'unreadable',
        `pathmon: cannot read topology file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; expected a readable YAML, neighbor table or ExaBGP JSON file`,
        `file:${file}`,
      );
    }
    const parsed = topologyEventsFromText(text, file);
    this.graph = buildTopology(parsed.events);
    this.format = parsed.format;
    this.skipped = parsed.skipped;
    this.warnings = parsed.warnings;
  }

  status(): TopologySourceStatus {
    const skippedByReason: Record<string, number> = {};
    for (const { reason } of this.skipped) skippedByReason[reason] = (skippedByReason[reason] ?? 0) + 1;
    return {
      spec: `file:${this.file}`,
      freshness: 'static',
      sessionUp: false,
      staleSinceMs: null,
      staleAgeMs: null,
      lastChangeMs: this.loadedAtMs,
      skippedLines: this.skipped.length,
      skippedByReason,
      lastSkipped: this.skipped.slice(-20),
      restarts: 0,
      nodes: this.graph.graph.order,
      links: this.graph.graph.size,
    };
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  onChange(_listener: (change: TopologyChange) => void): () => void {
    return () => {};
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
