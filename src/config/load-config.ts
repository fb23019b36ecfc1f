/**
 * Reads and validates a monitor config: YAML syntax, the schema, then the rules that tie fields
 * together, and resolves defaults so the rest of pathmon sees one complete `MonitorConfig` and never
 * re-checks a field. Problems are reported all at once, each with its YAML path, its line, the value
 * found and what was expected. Relative paths in the file (topology, pglite directory, secret files)
 * are relative to the config file, so a config works from any working directory.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { targetGroupProblems } from './target-group-problems.js';
import { ConfigError } from './config-error.js';
import { durationMsOrNull } from './duration.js';
import { formatConfigPath, problemsFromIssues, showValue, type ConfigProblem } from './config-problems.js';
import {
  allowedKeysAt,
  defaultHysteresisRounds,
  defaultLinkThresholds,
  defaultLocalize,
  defaultMetrics,
  defaultProbing,
  defaultRetentionDays,
  defaultThresholds,
  durationKeys,
  monitorConfigSchema,
  type RawMonitorConfig,
} from './monitor-config-schema.js';
import type { MonitorConfig, MonitorGroup, SecretReference, StorageConfig } from './monitor-config.js';
import { hostDeclarationProblems, type HostDeclaration } from '../../topology/index.js';

const MAX_PROBLEMS_IN_MESSAGE = 10;

export interface LoadOptions {
  /** Target groups come from elsewhere too (`run --targets FILE`), so a config without groups or targets is complete. */
  targetsElsewhere?: boolean;
}

/** Reads FILE and validates it. @throws ConfigError naming every problem. */
export function loadConfigFile(file: string, options: LoadOptions = {}): MonitorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`config.loadConfigFile: cannot read ${file}: ${code}; expected a readable YAML file`, '(top level)', file);
  }
  return parseConfig(text, file, options);
}

/**
 * Validates config text. @param file the config's path: names it in messages and anchors relative paths.
 * @throws ConfigError
 */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): MonitorConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const where = `${file}:${lineCounter.linePos(syntax.pos[0]).line}`;
    throw new ConfigError(`config.parseConfig: YAML syntax error at ${where}: ${syntax.message.split('\n')[0]}; expected a YAML mapping`, '(top level)', where);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`config.parseConfig: cannot read ${file}: ${(error as Error).message}; expected plain YAML without alias expansion bombs`, '(top level)', file);
  }
  const parsed = monitorConfigSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) fail(problemsFromIssues(parsed.error.issues, allowedKeysAt), doc, lineCounter, file);
  const { raw, written, problems: spellingProblems } = withDurationsAsNumbers(parsed.data);
  if (spellingProblems.length > 0) fail(spellingProblems, doc, lineCounter, file);
  const problems = crossFieldProblems(raw, written, options);
  if (problems.length > 0) fail(problems, doc, lineCounter, file);
  return resolveConfig(raw, file);
}

function resolveConfig(raw: RawMonitorConfig, file: string): MonitorConfig {
  const base = dirname(resolve(file));
  const relative = (path: string) => (isAbsolute(path) ? path : resolve(base, path));
  const probing = { ...defaultProbing, ...raw.probing };
  const thresholds = { ...defaultThresholds, ...raw.thresholds };
  const bounds = { maxHops: 16, maxPaths: 1000, ...raw.pathBounds };
  const groups: MonitorGroup[] = (raw.groups ?? []).map((group) => ({
    name: group.name,
    endpoints: group.endpoints,
    thresholds: { ...thresholds, ...group.thresholds },
    bounds: { ...bounds, ...group.pathBounds },
  }));
  const hosts: HostDeclaration[] = (raw.hosts ?? []).map((host) => ({ ...host }));
  const hostNamed = (nodeName: string): HostDeclaration | undefined => hosts.find((host) => host.name === nodeName);
  const withHosts = (from: string, to: string) => {
    const fromHost = hostNamed(from);
    const toHost = hostNamed(to);
    return { ...(fromHost && { fromHost }), ...(toHost && { toHost }) };
  };
  return {
    file: resolve(file),
    topology: topologySpec(raw.topology, relative),
    prober: { node: raw.prober.node, listenAddress: raw.prober.listenAddress ?? '0.0.0.0' },
    probing,
    thresholds,
    hysteresisRounds: raw.hysteresisRounds ?? defaultHysteresisRounds,
    localize: localizeConfig(raw, probing),
    linkThresholds: linkThresholds(raw),
    groups,
    hosts,
    targets: groups.flatMap((group) =>
      group.endpoints.map((to) => ({
        group: group.name,
        from: raw.prober.node,
        to,
        bounds: group.bounds,
        mode: probing.mode,
        thresholds: group.thresholds,
        ...withHosts(raw.prober.node, to),
      })),
    ),
    storage: raw.storage === undefined ? null : storageConfig(raw.storage, relative),
    retentionDays: raw.retentionDays ?? defaultRetentionDays,
    metrics: { ...defaultMetrics, ...raw.metrics },
    notifiers: notifiersConfig(raw.notifiers, relative),
    targetGroups: raw.targets ?? [],
    // Certificate files are relative to the config file, like every other path in it.
    syslog: raw.syslog
      ? {
          ...raw.syslog,
          ...(raw.syslog.tls && {
            tls: {
              ...raw.syslog.tls,
              certFile: relative(raw.syslog.tls.certFile),
              keyFile: relative(raw.syslog.tls.keyFile),
              ...(raw.syslog.tls.caFile && { caFile: relative(raw.syslog.tls.caFile) }),
            },
          }),
        }
      : null,
    remediation: raw.remediation ?? null,
    fleet: raw.fleet ?? null,
  };
}

/**
 * `localize:` with defaults. When the file does not set probesPerWalk, the default is fitted into the
 * time a round leaves after the paths (never above the default), so an existing config with a short
 * interval keeps loading; crossFieldProblems has already refused a round with no time left at all.
 */
function localizeConfig(raw: RawMonitorConfig, probing: MonitorConfig['probing']): MonitorConfig['localize'] {
  const localize = { ...defaultLocalize, separation: null, ...raw.localize };
  if (raw.localize?.probesPerWalk !== undefined) return localize;
  const spareMs = probing.intervalMs - pathsPartMs(probing) - probing.timeoutMs;
  const fitting = localize.probeSpacingMs === 0 ? localize.probesPerWalk : Math.floor(spareMs / localize.probeSpacingMs) + 1;
  return { ...localize, probesPerWalk: Math.max(1, Math.min(localize.probesPerWalk, fitting)) };
}

/** How long the paths' part of a round takes: the last probe's send, then its timeout. */
function pathsPartMs(probing: MonitorConfig['probing']): number {
  return (probing.probesPerRound - 1) * probing.probeSpacingMs + probing.timeoutMs;
}

function linkThresholds(raw: RawMonitorConfig): MonitorConfig['linkThresholds'] {
  const fromTop =
    raw.thresholds === undefined
      ? {}
      : {
          ...(raw.thresholds.lossPct !== undefined && { lossPct: raw.thresholds.lossPct }),
          ...(raw.thresholds.delayMs !== undefined && { addedDelayMs: raw.thresholds.delayMs }),
        };
  return { ...defaultLinkThresholds, ...fromTop, ...raw.linkThresholds };
}

function notifiersConfig(notifiers: RawMonitorConfig['notifiers'], relative: (path: string) => string): MonitorConfig['notifiers'] {
  const anchored = (ref: SecretReference): SecretReference => ('file' in ref ? { file: relative(ref.file) } : ref);
  const out: MonitorConfig['notifiers'] = {};
  if (notifiers?.freshdesk) out.freshdesk = { ...notifiers.freshdesk, apiKey: anchored(notifiers.freshdesk.apiKey) };
  if (notifiers?.email) {
    const { password, ...rest } = notifiers.email;
    out.email = password ? { ...rest, password: anchored(password) } : rest;
  }
  return out;
}

function topologySpec(spec: string, relative: (path: string) => string): string {
  if (spec.startsWith('exabgp:')) return `exabgp:${relative(spec.slice('exabgp:'.length))}`;
  if (spec.startsWith('file:')) return `file:${relative(spec.slice('file:'.length))}`;
  return `file:${relative(spec)}`;
}

function storageConfig(storage: NonNullable<RawMonitorConfig['storage']>, relative: (path: string) => string): StorageConfig {
  const url = typeof storage === 'string' ? storage : storage.url;
  const password: SecretReference | undefined = typeof storage === 'string' ? undefined : storage.password;
  const located = url.startsWith('pglite:') ? `pglite:${relative(url.slice('pglite:'.length))}` : url;
  const withFile = password && 'file' in password ? { file: relative(password.file) } : password;
  const schema = typeof storage === 'string' ? undefined : storage.schema;
  return { url: located, ...(withFile ? { password: withFile } : {}), ...(schema ? { schema } : {}) };
}

/** Where a duration key was written (`probing.interval: 2s`), the message name of the number it set. */
type WrittenAs = Map<string, string>;

/**
 * The config with every duration key (`interval: 2s`) turned into the number it spells (`intervalMs:
 * 2000`), so the rules below and the rest of pathmon see one spelling. Both spellings of one setting is
 * a problem naming both, not a silent choice. `written` remembers the author's spelling for messages.
 */
function withDurationsAsNumbers(parsed: RawMonitorConfig): { raw: RawMonitorConfig; written: WrittenAs; problems: ConfigProblem[] } {
  const raw = structuredClone(parsed) as RawMonitorConfig;
  const written: WrittenAs = new Map();
  const problems: ConfigProblem[] = [];
  const sections: { path: (string | number)[]; section: (typeof durationKeys)[number]['section']; object: Record<string, unknown> | undefined }[] = [
    { path: [], section: null, object: raw as Record<string, unknown> },
    { path: ['probing'], section: 'probing', object: raw.probing },
    { path: ['localize'], section: 'localize', object: raw.localize },
    { path: ['thresholds'], section: 'thresholds', object: raw.thresholds },
    { path: ['linkThresholds'], section: 'linkThresholds', object: raw.linkThresholds },
    ...(raw.groups ?? []).map((group, index) => ({ path: ['groups', index, 'thresholds'], section: 'thresholds' as const, object: group.thresholds })),
  ];
  for (const { path, section, object } of sections) {
    if (object === undefined) continue;
    for (const spelling of durationKeys.filter((d) => d.section === section)) {
      const text = object[spelling.key];
      if (typeof text !== 'string') continue;
      const durationName = formatConfigPath([...path, spelling.key]);
      const numberName = formatConfigPath([...path, spelling.msKey]);
      if (object[spelling.msKey] !== undefined) {
        problems.push({
          path: [...path, spelling.key],
          text: `${durationName} (${text}) and ${numberName} (${showValue(object[spelling.msKey])}) are both set; expected one of them`,
        });
        continue;
      }
      delete object[spelling.key];
      // The schema has checked the text (and, for whole units, that it divides evenly).
      object[spelling.msKey] = durationMsOrNull(text)! / spelling.msPerUnit;
      written.set(numberName, `${durationName} (${text})`);
    }
  }
  return { raw, written, problems };
}

function crossFieldProblems(raw: RawMonitorConfig, written: WrittenAs = new Map(), options: LoadOptions = {}): ConfigProblem[] {
  const problems: ConfigProblem[] = [...targetGroupProblems(raw)];
  const probing = { ...defaultProbing, ...raw.probing };
  const named = (name: string, value: number) => written.get(name) ?? `${name} (${value})`;
  const interval = named('probing.intervalMs', probing.intervalMs);
  const timeout = named('probing.timeoutMs', probing.timeoutMs);
  if (probing.timeoutMs > probing.intervalMs) {
    problems.push({
      path: ['probing', written.has('probing.timeoutMs') ? 'timeout' : 'timeoutMs'],
      text: `${timeout} cannot exceed ${interval}; expected a round to end before the next starts`,
    });
  } else {
    const roundMs = (probing.probesPerRound - 1) * probing.probeSpacingMs + probing.timeoutMs;
    if (roundMs > probing.intervalMs) {
      problems.push({
        path: ['probing', 'probesPerRound'],
        text:
          `a round takes (probing.probesPerRound (${probing.probesPerRound}) - 1) × ${named('probing.probeSpacingMs', probing.probeSpacingMs)} ` +
          `+ ${timeout} = ${roundMs} ms, which cannot exceed ${interval}; ` +
          'expected fewer probes, a shorter spacing or timeout, or a longer interval',
      });
    }
  }
  // Walks are probed after the paths, in the same round: both parts must end before the next round.
  const localize = { ...defaultLocalize, ...raw.localize };
  const pathsMs = pathsPartMs(probing);
  const fitted = raw.localize?.probesPerWalk === undefined;
  const walksMs = ((fitted ? 1 : localize.probesPerWalk) - 1) * localize.probeSpacingMs + probing.timeoutMs;
  if (localize.enabled && pathsMs <= probing.intervalMs && pathsMs + walksMs > probing.intervalMs) {
    problems.push({
      path: ['localize', fitted ? 'enabled' : 'probesPerWalk'],
      text:
        `a round probes the paths for ${pathsMs} ms, then the walks for ${fitted ? 'at least ' : ''}(localize.probesPerWalk (${fitted ? 1 : localize.probesPerWalk}) - 1) × ${named('localize.probeSpacingMs', localize.probeSpacingMs)} ` +
        `+ ${timeout} = ${walksMs} ms; together ${pathsMs + walksMs} ms, which cannot exceed ${interval}; ` +
        'expected fewer probes per walk, a shorter spacing or timeout, a longer interval, or localize: { enabled: false }',
    });
  }
  if ((raw.groups ?? []).length === 0 && (raw.targets ?? []).length === 0 && !options.targetsElsewhere) {
    problems.push({ path: ['groups'], text: 'expected at least one of groups (paths between topology nodes) or targets (ICMP/TCP/UDP targets)' });
  }
  const groupNames = new Map<string, number>();
  const endpointGroup = new Map<string, string>();
  (raw.groups ?? []).forEach((group, index) => {
    const first = groupNames.get(group.name);
    if (first !== undefined) {
      problems.push({ path: ['groups', index, 'name'], text: `got ${showValue(group.name)}, already the name of groups[${first}]; expected group names to be unique` });
    } else groupNames.set(group.name, index);
    const seen = new Set<string>();
    group.endpoints.forEach((endpoint, e) => {
      if (endpoint === raw.prober.node) {
        problems.push({
          path: ['groups', index, 'endpoints', e],
          text: `groups[${index}].endpoints[${e}] (${endpoint}) is prober.node (${raw.prober.node}); expected an endpoint other than the prober`,
        });
      }
      if (seen.has(endpoint)) problems.push({ path: ['groups', index, 'endpoints', e], text: `got ${showValue(endpoint)} twice in this group; expected each endpoint once` });
      else if (endpointGroup.has(endpoint) && endpointGroup.get(endpoint) !== group.name) {
        problems.push({
          path: ['groups', index, 'endpoints', e],
          text: `groups[${index}].endpoints[${e}] (${endpoint}) is also in group ${endpointGroup.get(endpoint)}; expected each endpoint in one group (a path has one id, one state and one ticket)`,
        });
      }
      seen.add(endpoint);
      if (!endpointGroup.has(endpoint)) endpointGroup.set(endpoint, group.name);
    });
  });
  const hostNames = new Map<string, number>();
  (raw.hosts ?? []).forEach((host, index) => {
    const first = hostNames.get(host.name);
    if (first !== undefined) {
      problems.push({ path: ['hosts', index, 'name'], text: `got ${showValue(host.name)}, already the name of hosts[${first}]; expected host names to be unique` });
    } else hostNames.set(host.name, index);
    for (const problem of hostDeclarationProblems(host)) {
      if (problem.field === 'name') continue; // The schema has checked the name.
      problems.push({ path: ['hosts', index, problem.field], text: problem.text });
    }
  });
  const buckets = raw.metrics?.rttBucketsMs ?? [];
  for (let i = 1; i < buckets.length; i++) {
    if (buckets[i]! <= buckets[i - 1]!) {
      problems.push({
        path: ['metrics', 'rttBucketsMs', i],
        text: `metrics.rttBucketsMs[${i}] (${buckets[i]}) is not above metrics.rttBucketsMs[${i - 1}] (${buckets[i - 1]}); expected strictly increasing upper bounds`,
      });
    }
  }
  if (raw.storage !== undefined) {
    const url = typeof raw.storage === 'string' ? raw.storage : raw.storage.url;
    const path = typeof raw.storage === 'string' ? ['storage'] : ['storage', 'url'];
    const parsed = parsedStorageUrl(url);
    if (parsed === 'bad') {
      problems.push({ path, text: `got ${showValue(redactUrl(url))}; expected pglite:DIR or postgres://USER@HOST[:PORT]/DB` });
    } else if (parsed.hasPassword) {
      problems.push({
        path,
        text: 'the URL holds a password; expected it referenced instead: storage: { url: postgres://USER@HOST/DB, password: { env: PGPASSWORD } }',
      });
    }
  }
  return problems;
}

function parsedStorageUrl(url: string): { hasPassword: boolean } | 'bad' {
  if (url.startsWith('pglite:')) return url.length > 'pglite:'.length ? { hasPassword: false } : 'bad';
  if (!/^postgres(ql)?:\/\//.test(url)) return 'bad';
  try {
    return { hasPassword: new URL(url).password !== '' };
  } catch {
    return 'bad';
  }
}

/** A database URL with any password replaced: safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = 'REDACTED';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:REDACTED@');
  }
}

function fail(problems: ConfigProblem[], doc: Document, lineCounter: LineCounter, file: string): never {
  const located = problems.map((problem) => {
    const line = lineOf(doc, lineCounter, problem.path);
    const path = formatConfigPath(problem.path);
    return { path, where: line !== undefined ? `${file}:${line} ${path}` : `${file} ${path}`, text: `${path}: ${problem.text}` };
  });
  const shown = located.slice(0, MAX_PROBLEMS_IN_MESSAGE).map((p) => p.text);
  const more = located.length > shown.length ? ` (and ${located.length - shown.length} more)` : '';
  const first = located[0]!;
  throw new ConfigError(`config.parseConfig: ${file}: ${shown.join('; ')}${more}`, first.path, first.where);
}

/** The line of the deepest node that exists along `path`, so a missing key points near its parent. */
function lineOf(doc: Document, lineCounter: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range !== undefined) return lineCounter.linePos(range[0]).line;
  }
  return undefined;
}
