/**
 * `pathmon run --targets FILE`: target groups from a file of their own, in either of two shapes.
 *
 * - The network-telemetry seed's `targets.yaml`, unchanged, so its users move over without edits: a
 *   mapping of environment to targets, where a list of hosts is an ICMP (ping) group and a mapping of
 *   host to port is a TCP group (a list of one-entry `host: port` mappings is read the same way):
 *
 *       prem_lon: [10.2.0.9, gw1.example.net]      # icmp group "prem_lon"
 *       aws:      { db1.example.net: 3306 }        # tcp group "aws"
 *
 * - pathmon's own `targets:` list (a top-level YAML sequence of groups), validated by the config's
 *   target-group schema, for groups that need a port range, thresholds or an interval.
 *
 * Every problem names the file, the line and the key, with the value found and what was expected; all
 * are reported at once, as config problems are.
 */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../config/config-error.js';
import { formatConfigPath, problemsFromIssues, showValue, type ConfigProblem } from '../config/config-problems.js';
import { targetGroupKeys, targetGroupsSchema, targetSpec, type TargetGroupConfig, type TargetSpec } from '../config/target-groups-schema.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EXPECT_ENV = 'expected a list of hosts (a ping group) or a mapping of host to TCP port (a TCP group)';
const MAX_PROBLEMS_IN_MESSAGE = 10;

/** Reads FILE. @throws ConfigError naming every problem with its line. */
export function loadTargetsFile(file: string): TargetGroupConfig[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`targets.loadTargetsFile: cannot read ${file}: ${code}; expected a readable YAML targets file`, '(top level)', file);
  }
  return parseTargetsFile(text, file);
}

/** Parses targets-file text; `file` names it in messages. @throws ConfigError */
export function parseTargetsFile(text: string, file: string): TargetGroupConfig[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const where = `${file}:${lineCounter.linePos(syntax.pos[0]).line}`;
    throw new ConfigError(`targets.parseTargetsFile: YAML syntax error at ${where}: ${syntax.message.split('\n')[0]}; expected a YAML mapping of environment to targets`, '(top level)', where);
  }
  const root = doc.contents;
  if (isSeq(root)) return ownGroups(doc, lineCounter, file);
  if (!isMap(root)) {
    fail(
      [{ path: [], text: `got ${showValue(scalarValue(root))}; expected a mapping of environment to targets (env: [host, ...] for ping, env: { host: port } for TCP), or a list of target groups` }],
      doc,
      lineCounter,
      file,
    );
  }
  const problems: ConfigProblem[] = [];
  const groups: TargetGroupConfig[] = [];
  for (const item of root.items) {
    if (!isPair(item)) continue;
    const env = String(scalarValue(item.key as Node | null) ?? '');
    const path = [env];
    if (!NAME.test(env)) {
      problems.push({ path, text: `got the environment name ${showValue(env)}; expected a name of 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit` });
      continue;
    }
    const value = item.value as Node | null;
    const group = seedGroup(env, value, path, problems);
    if (group !== null) groups.push(group);
  }
  if (groups.length === 0 && problems.length === 0) problems.push({ path: [], text: 'got no environments; expected at least one, like prod: [10.2.0.9]' });
  if (problems.length > 0) fail(problems, doc, lineCounter, file);
  return groups;
}

/** One seed environment: a list of hosts (icmp), or host: port entries (tcp). */
function seedGroup(env: string, value: Node | null, path: (string | number)[], problems: ConfigProblem[]): TargetGroupConfig | null {
  const before = problems.length;
  const targets: TargetSpec[] = [];
  let kind: 'icmp' | 'tcp';
  if (isSeq(value) && value.items.every((entry) => isScalar(entry))) {
    kind = 'icmp';
    value.items.forEach((entry, index) => {
      const host = scalarValue(entry as Node);
      const spec = typeof host === 'string' || typeof host === 'number' ? targetSpec(String(host)) : null;
      if (spec === null || spec.port !== null)
        problems.push({ path: [...path, index], text: `got ${showValue(host)}; expected an IPv4 address or a DNS name to ping, like 10.2.0.9 or gw1.example.net` });
      else targets.push(spec);
    });
  } else if (isMap(value) || (isSeq(value) && value.items.every((entry) => isMap(entry)))) {
    kind = 'tcp';
    const entries = isMap(value)
      ? value.items.map((pair) => ({ pair, path: path }))
      : value.items.flatMap((entry, index) => (entry as { items: unknown[] }).items.map((pair) => ({ pair, path: [...path, index] })));
    for (const { pair, path: at } of entries) {
      if (!isPair(pair)) continue;
      const host = String(scalarValue(pair.key as Node | null) ?? '');
      const portValue = scalarValue(pair.value as Node | null);
      const port = typeof portValue === 'number' ? portValue : typeof portValue === 'string' && /^\d{1,5}$/.test(portValue.trim()) ? Number(portValue) : NaN;
      const spec = targetSpec(host);
      if (spec === null || spec.port !== null) {
        problems.push({ path: [...at, host], text: `got the host ${showValue(host)}; expected an IPv4 address or a DNS name, like db1.example.net` });
      } else if (!Number.isInteger(port) || port < 1 || port > 65_535) {
        problems.push({ path: [...at, host], text: `got ${showValue(portValue)}; expected the TCP port to probe on ${host}, a whole number from 1 to 65535` });
      } else {
        targets.push({ text: `${spec.host}:${port}`, host: spec.host, port });
      }
    }
  } else {
    const empty = value === null || (isScalar(value) && (value.value === null || value.value === ''));
    const found = empty ? 'nothing' : isSeq(value) ? 'a list mixing hosts and mappings' : showValue(isScalar(value) ? value.value : value.toJSON());
    problems.push({ path, text: `got ${found}; ${EXPECT_ENV}` });
    return null;
  }
  if (problems.length > before) return null;
  if (targets.length === 0) {
    problems.push({ path, text: `got no targets; ${EXPECT_ENV}` });
    return null;
  }
  const seen = new Set<string>();
  for (const [index, spec] of targets.entries()) {
    const key = `${spec.host.toLowerCase()}:${spec.port ?? ''}`;
    if (seen.has(key)) problems.push({ path: kind === 'icmp' ? [...path, index] : [...path, spec.host], text: `got ${spec.text} twice; expected each target once per environment` });
    seen.add(key);
  }
  if (problems.length > before) return null;
  return {
    name: env,
    kind,
    targets,
    port: null,
    sourceAddress: null,
    sourcePort: null,
    intervalMs: null,
    probesPerRound: null,
    probeSpacingMs: null,
    timeoutMs: null,
    payloadBytes: kind === 'icmp' ? 56 : null,
    thresholds: {},
  };
}

/** A top-level list: pathmon's own target groups. */
function ownGroups(doc: Document, lineCounter: LineCounter, file: string): TargetGroupConfig[] {
  const parsed = targetGroupsSchema.safeParse(doc.toJS({ maxAliasCount: 100 }), { reportInput: true });
  if (parsed.success) {
    if (parsed.data.length === 0) fail([{ path: [], text: 'got an empty list; expected at least one target group' }], doc, lineCounter, file);
    return parsed.data;
  }
  const allowed = (path: (string | number)[]) => (path.some((p) => p === 'thresholds') ? ['delayMs', 'lossPct'] : [...targetGroupKeys]);
  fail(problemsFromIssues(parsed.error.issues, allowed), doc, lineCounter, file);
}

function scalarValue(node: Node | null | undefined): unknown {
  return isScalar(node) ? node.value : null;
}

function fail(problems: ConfigProblem[], doc: Document, lineCounter: LineCounter, file: string): never {
  const located = problems.map((problem) => {
    const line = lineOf(doc, lineCounter, problem.path);
    const path = formatConfigPath(problem.path);
    const where = line !== undefined ? `${file}:${line}` : file;
    return { path, where: `${where} ${path}`, text: `${where}: ${path}: ${problem.text}` };
  });
  const shown = located.slice(0, MAX_PROBLEMS_IN_MESSAGE).map((p) => p.text);
  const more = located.length > shown.length ? ` (and ${located.length - shown.length} more)` : '';
  const first = located[0]!;
  throw new ConfigError(`targets.parseTargetsFile: ${shown.join('; ')}${more}`, first.path, first.where);
}

/** The line of the deepest node that exists along `path`, so a missing key points near its parent. */
function lineOf(doc: Document, lineCounter: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : nodeAt(doc, path.slice(0, n));
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range !== undefined) return lineCounter.linePos(range[0]).line;
  }
  return undefined;
}

/**
 * The node at `path`. For a mapping key that is a host (`db1.example.net: 5432`), the pair's key node:
 * getIn would return the value, on the same line in flow style but not when the value is missing.
 */
function nodeAt(doc: Document, path: (string | number)[]): unknown {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isPair(item) && String(scalarValue(item.key as Node | null)) === String(last));
    if (pair) return pair.key;
  }
  if (isSeq(parent) && typeof last === 'number') return parent.items[last];
  return doc.getIn(path, true);
}
