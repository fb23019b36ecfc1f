/**
 * Which source format a topology text is in, decided by content rather than file extension, because
 * the same data arrives as `.json`, `.jsonl`, `.txt` or piped output; and one entry point that parses
 * any of them. The checks are ordered from the most to the least recognisable: ExaBGP lines all start
 * with `{` and carry an `"exabgp"` key, a neighbor table has a fixed header or four-field rows with
 * IPv4 in columns 2 and 4, and YAML is whatever parses to a mapping with `routers` or `links`.
 *
 * ExaBGP lines that fail are returned in `skipped` rather than thrown, as the live feed does; the
 * table and YAML parsers throw on the first bad input, since those are files someone can fix.
 */
import { parseDocument } from 'yaml';
import { TopologyError } from '../errors.js';
import type { TopologyEvent } from '../model.js';
import { parseExabgpLine } from './exabgp-json.js';
import { isIpv4 } from './ipv4.js';
import { isNeighborTableHeader, parseNeighborTable, splitNeighborRow } from './neighbor-table.js';
import { isRecord } from './values.js';
import { parseYamlTopology } from './yaml-topology.js';

export type TopologyFormat = 'exabgp-json' | 'neighbor-table' | 'yaml';

/** A line of an ExaBGP JSON text that produced no events. */
export interface SkippedLine {
  /** 1-based line number in the text. */
  line: number;
  reason: string;
  /** The first 200 characters of the line. */
  excerpt: string;
}

export interface TopologyText {
  format: TopologyFormat;
  events: TopologyEvent[];
  /** ExaBGP lines that could not be used (always empty for the other formats, which throw instead). */
  skipped: SkippedLine[];
  /** What ExaBGP lines lost without being skipped (unnumbered links, bad attribute values, ...). */
  warnings: string[];
}

const EXPECTED = 'expected ExaBGP JSON lines ({ "exabgp": "4.0.1", ... }), a neighbor table (Rtr_id neighbor_add Rtr_id interface_Add) ' + 'or a YAML topology with routers: and links:';

const lineStrip = (text: string): string[] => text.replace(/^\uFEFF/, '').split(/\r?\n/);

/**
 * The format of `text`, judged by its content.
 * @throws TopologyError `unknown-format` when it is none of the three.
 */
export function detectTopologyFormat(text: string, source = 'input'): TopologyFormat {
  const lines = lineStrip(text);
  const first = lines.find((l) => l.trim() !== '')?.trim();
  if (first === undefined) {
    throw new TopologyError('unknown-format', `topology.detectTopologyFormat: ${source} is empty; ${EXPECTED}`, source);
  }
  // YAML flow mappings also start with '{', so ask for the ExaBGP envelope key too.
  if (first.startsWith('{') && /^\{\s*"exabgp"\s*:/.test(first)) return 'exabgp-json';

  const firstRow = lines.map((l) => l.replace(/#.*$/, '')).find((l) => l.trim() !== '');
  if (firstRow !== undefined) {
    if (isNeighborTableHeader(firstRow)) return 'neighbor-table';
    const fields = splitNeighborRow(firstRow);
    if (fields.length === 4 && isIpv4(fields[1]!) && isIpv4(fields[3]!)) return 'neighbor-table';
  }

  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length === 0) {
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch {
      return 'yaml'; // an alias bomb: parseYamlTopology says so with a proper error
    }
    if (isRecord(data) && ('routers' in data || 'links' in data)) return 'yaml';
  } else if (/^(routers|links|hosts)\s*:/m.test(text)) {
    // Broken YAML that is clearly meant as a topology: let the YAML parser report the syntax error.
    return 'yaml';
  }
  throw new TopologyError('unknown-format', `topology.detectTopologyFormat: cannot tell the format of ${source} (first line ${JSON.stringify(first.slice(0, 80))}); ${EXPECTED}`, source);
}

/**
 * Detects the format of `text` and parses it into topology events.
 * @throws TopologyError `unknown-format` for an unrecognised text, `malformed-input` for a bad table or YAML file.
 */
export function topologyEventsFromText(text: string, source = 'input'): TopologyText {
  const format = detectTopologyFormat(text, source);
  if (format === 'neighbor-table') return { format, events: parseNeighborTable(text, source), skipped: [], warnings: [] };
  if (format === 'yaml') return { format, events: parseYamlTopology(text, source).events, skipped: [], warnings: [] };

  const events: TopologyEvent[] = [];
  const skipped: SkippedLine[] = [];
  const warnings: string[] = [];
  lineStrip(text).forEach((line, index) => {
    if (line.trim() === '') return;
    const result = parseExabgpLine(line);
    if (result.ok) {
      events.push(...result.events);
      warnings.push(...result.warnings.map((w) => `${source}:${index + 1}: ${w}`));
    } else {
      skipped.push({ line: index + 1, reason: result.reason, excerpt: result.excerpt });
    }
  });
  return { format, events, skipped, warnings };
}
