/**
 * The observations file: how an engineer replays an incident through `pathmon localize`, and how
 * pathmon's estimator is compared with other methods on the same data. JSON Lines, one object per
 * route per round:
 *
 *     {"round": 1, "id": "w1", "links": ["dev1>R1", "R1>R2", "R2>R1", "R1>dev1"], "sent": 100, "received": 95, "rttP50Ms": 1.2, "baselineP50Ms": 1.0}
 *
 * | field              | required | meaning                                                                          |
 * |--------------------|----------|----------------------------------------------------------------------------------|
 * | `round`            | yes      | whole number ≥ 0; lines with the same round are estimated together, in ascending order |
 * | `id`               | yes      | the route's name (walk id, path id, anything), unique within its round          |
 * | `links`            | yes      | the directed links crossed, in order, one entry per crossing (a link crossed twice appears twice) |
 * | `sent`             | yes      | probes sent, whole number ≥ 0 (a route with 0 sent is reported and skipped)      |
 * | `received`         | yes      | probes back, whole number, 0..sent                                               |
 * | `rttP50Ms`         | yes      | median round-trip time of what came back, ms ≥ 0; `null` when nothing came back  |
 * | `baselineP50Ms`    | no       | the route's healthy median RTT, ms ≥ 0, or `null` for none. Absent: pathmon learns it from the file's earlier healthy rounds of the same id (median of the last 20, from the 3rd on) |
 * | `baselineSpreadMs` | no       | how much the healthy medians wobble (median absolute deviation), ms ≥ 0 or `null` |
 *
 * A link is named `A>B`: the node the probe leaves, `>`, the node it enters, each by node name, id or
 * router-id as the topology (`--topology`) knows it. Where two nodes share parallel links, add the
 * leaving node's address on the link: `A>B#10.0.0.1`. The full link key that `pathmon topology --json`
 * prints is accepted too. Consecutive links must meet (each leaves where the previous one entered).
 * Blank lines and lines starting with `#` are ignored. Any other field is an error, so a typo
 * (`recieved`) never silently drops a figure.
 *
 * Errors name the line and field and say what was expected; every problem in the file is reported (up
 * to a cap), not just the first, so one edit pass fixes them all.
 */
import type { TopologyGraph, TopologyLink } from '../../topology/index.js';
import { PathmonError } from '../pathmon-error.js';
import type { RouteObservation } from './localize-types.js';

export interface ObservationsProblem {
  line: number;
  /** `links[2]`, `received`, or `(line)` for the line as a whole. */
  field: string;
  message: string;
}

export class ObservationsFileError extends PathmonError {
  override name = 'ObservationsFileError';
  readonly code = 'invalid-observations';
  constructor(
    readonly file: string,
    readonly problems: ObservationsProblem[],
    /** Problems found in all, including those past the cap. */
    readonly total: number,
  ) {
    super(
      `localize.parseObservationsFile: ${file} has ${total} problem(s):\n` +
        problems.map((p) => `  ${file}:${p.line} ${p.field}: ${p.message}`).join('\n') +
        (total > problems.length ? `\n  ... and ${total - problems.length} more` : ''),
    );
  }
}

/** One parsed line: an observation, where it came from, and whether it brought its own baseline. */
export interface ParsedObservation extends RouteObservation {
  line: number;
  /** False when the line had no `baselineP50Ms` field: the caller learns one from earlier rounds. */
  baselineGiven: boolean;
}

export interface ObservationRound {
  round: number;
  observations: ParsedObservation[];
}

export interface ObservationsFile {
  rounds: ObservationRound[];
  /** Lines that held an observation. */
  observations: number;
}

const FIELDS = new Set(['round', 'id', 'links', 'sent', 'received', 'rttP50Ms', 'baselineP50Ms', 'baselineSpreadMs']);
const REQUIRED = ['round', 'id', 'links', 'sent', 'received', 'rttP50Ms'] as const;
export const MAX_REPORTED_PROBLEMS = 50;

/**
 * @throws ObservationsFileError listing every problem (up to MAX_REPORTED_PROBLEMS) with its line and field.
 */
export function parseObservationsFile(text: string, topology: TopologyGraph, file = 'observations'): ObservationsFile {
  const problems: ObservationsProblem[] = [];
  let total = 0;
  const problem = (line: number, field: string, message: string): void => {
    total++;
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push({ line, field, message });
  };
  const resolver = new LinkResolver(topology);
  const byRound = new Map<number, { observations: ParsedObservation[]; ids: Map<string, number> }>();
  let observations = 0;

  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      problem(line, '(line)', `not valid JSON (${(error as Error).message}); expected one JSON object per line`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problem(
        line,
        '(line)',
        `got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}; expected a JSON object like {"round": 1, "id": "w1", "links": ["A>B", "B>A"], "sent": 100, "received": 100, "rttP50Ms": 1.2}`,
      );
      return;
    }
    const record = value as Record<string, unknown>;
    const before = total;
    for (const field of Object.keys(record)) {
      if (!FIELDS.has(field)) problem(line, field, `unknown field; expected only ${[...FIELDS].join(', ')}`);
    }
    for (const field of REQUIRED) if (!(field in record)) problem(line, field, `missing; expected ${describeField(field)}`);

    const round = wholeNumber(record.round, line, 'round', problem);
    const id = typeof record.id === 'string' && record.id.length > 0 ? record.id : undefined;
    if ('id' in record && id === undefined) problem(line, 'id', `got ${JSON.stringify(record.id)}; expected a non-empty string`);
    const sent = wholeNumber(record.sent, line, 'sent', problem);
    const received = wholeNumber(record.received, line, 'received', problem);
    if (sent !== undefined && received !== undefined && received > sent) problem(line, 'received', `${received} is more than sent (${sent}); expected 0..sent`);
    const rttP50Ms = optionalMs(record, 'rttP50Ms', line, problem);
    if (received === 0 && typeof rttP50Ms === 'number') problem(line, 'rttP50Ms', `is ${rttP50Ms} but nothing was received; expected null when received is 0`);
    const baselineP50Ms = optionalMs(record, 'baselineP50Ms', line, problem);
    const baselineSpreadMs = optionalMs(record, 'baselineSpreadMs', line, problem);
    const links = resolveLinks(record.links, line, resolver, problem);

    if (round !== undefined && id !== undefined) {
      let entry = byRound.get(round);
      if (!entry) byRound.set(round, (entry = { observations: [], ids: new Map() }));
      const earlier = entry.ids.get(id);
      if (earlier !== undefined) problem(line, 'id', `"${id}" already appears in round ${round} (line ${earlier}); expected each route once per round`);
      else entry.ids.set(id, line);
      if (total === before && links && sent !== undefined && received !== undefined && rttP50Ms !== undefined) {
        entry.observations.push({
          id,
          links,
          sent,
          received,
          rttP50Ms,
          baselineP50Ms: baselineP50Ms ?? null,
          baselineSpreadMs: baselineSpreadMs ?? null,
          line,
          baselineGiven: 'baselineP50Ms' in record,
        });
        observations++;
      }
    }
  });
  if (total > 0) throw new ObservationsFileError(file, problems, total);
  const rounds = [...byRound.entries()].sort(([a], [b]) => a - b).map(([round, entry]) => ({ round, observations: entry.observations }));
  return { rounds, observations };
}

function describeField(field: (typeof REQUIRED)[number]): string {
  switch (field) {
    case 'round':
      return 'a whole number >= 0';
    case 'id':
      return 'a non-empty string naming the route';
    case 'links':
      return 'an array of directed links like ["A>B", "B>C"]';
    case 'sent':
    case 'received':
      return 'a whole number >= 0';
    case 'rttP50Ms':
      return 'a number of milliseconds >= 0, or null when nothing came back';
  }
}

type Report = (line: number, field: string, message: string) => void;

function wholeNumber(value: unknown, line: number, field: string, problem: Report): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    problem(line, field, `got ${JSON.stringify(value)}; expected a whole number >= 0`);
    return undefined;
  }
  return value;
}

/** A number of ms >= 0 or null; undefined when absent or wrong (wrong is reported). */
function optionalMs(record: Record<string, unknown>, field: string, line: number, problem: Report): number | null | undefined {
  if (!(field in record)) return undefined;
  const value = record[field];
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    problem(line, field, `got ${JSON.stringify(value)}; expected a number of milliseconds >= 0, or null`);
    return undefined;
  }
  return value;
}

function resolveLinks(value: unknown, line: number, resolver: LinkResolver, problem: Report): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    problem(line, 'links', `got ${JSON.stringify(value)}; expected a non-empty array of directed links like ["A>B", "B>C"]`);
    return undefined;
  }
  const keys: string[] = [];
  let previous: TopologyLink | undefined;
  let ok = true;
  value.forEach((name, index) => {
    const field = `links[${index}]`;
    if (typeof name !== 'string') {
      problem(line, field, `got ${JSON.stringify(name)}; expected a string like "A>B"`);
      ok = false;
      previous = undefined;
      return;
    }
    const resolved = resolver.resolve(name);
    if (typeof resolved === 'string') {
      problem(line, field, resolved);
      ok = false;
      previous = undefined;
      return;
    }
    if (previous && previous.to !== resolved.from) {
      problem(line, field, `"${name}" leaves ${resolver.nameOf(resolved.from)}, but links[${index - 1}] entered ${resolver.nameOf(previous.to)}; expected consecutive links to meet`);
      ok = false;
    }
    previous = resolved;
    keys.push(resolved.key);
  });
  return ok ? keys : undefined;
}

/** Turns `A>B`, `A>B#address` or a link key into the topology's link, remembering every answer. */
class LinkResolver {
  private readonly cache = new Map<string, TopologyLink | string>();
  constructor(private readonly topology: TopologyGraph) {}

  nameOf(id: string): string {
    return this.topology.graph.hasNode(id) ? this.topology.node(id).name : id;
  }

  resolve(name: string): TopologyLink | string {
    let answer = this.cache.get(name);
    if (answer === undefined) {
      answer = this.lookUp(name);
      this.cache.set(name, answer);
    }
    return answer;
  }

  private lookUp(name: string): TopologyLink | string {
    const { graph } = this.topology;
    if (graph.hasEdge(name)) return graph.getEdgeAttributes(name);
    const [ends, address] = name.split('#', 2) as [string, string | undefined];
    const parts = ends.split('>');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      return `"${name}" is not a link name; expected FROM>TO (node names), FROM>TO#LOCAL-ADDRESS for one of parallel links, or a link key from \`pathmon topology --json\``;
    }
    const from = this.node(parts[0]!);
    const to = this.node(parts[1]!);
    if (from.error || to.error) return `"${name}": ${[from.error, to.error].filter(Boolean).join('; ')}`;
    const links = this.topology.linksBetween(from.id!, to.id!);
    if (links.length === 0) return `"${name}" is not in the topology: no link from ${parts[0]} to ${parts[1]}; expected a link the topology has`;
    if (address !== undefined) {
      const match = links.filter((link) => link.localAddress === address);
      if (match.length === 1) return match[0]!;
      return `"${name}": no link from ${parts[0]} to ${parts[1]} with local address ${address}; expected one of ${links.map((l) => `${ends}#${l.localAddress ?? '(none)'}`).join(', ')}`;
    }
    if (links.length > 1) {
      return `"${name}" is ambiguous: ${links.length} parallel links from ${parts[0]} to ${parts[1]}; expected one of ${links.map((l) => `${ends}#${l.localAddress ?? '(none)'}`).join(', ')}`;
    }
    return links[0]!;
  }

  private node(name: string): { id?: string; error?: string } {
    try {
      return { id: this.topology.resolveNode(name) };
    } catch (error) {
      const message = (error as Error).message.replace(/^topology\.resolveNode: /, '');
      return { error: message };
    }
  }
}
