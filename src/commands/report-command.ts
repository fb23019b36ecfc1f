/**
 * `pathmon report [--since 24h] [--json]`: one row per user path from history: rounds, loss,
 * p50/p95/p99 RTT, current state, time spent in each state inside the window, and the path's own open
 * Freshdesk ticket (its path incident's); then the incidents open now (links, groups, paths), since a
 * failing path is often explained by a link incident rather than a ticket of its own. Cover walks are
 * not user paths and are not listed. Reads the same store `pathmon run` writes (--db, the config's
 * storage, or PGlite in --data-dir), so it works while the monitor runs on a server database, and after
 * it stopped on either.
 *
 * `report`, `history` and `localize --since` open the store read-only (openReportStore): they never
 * create a database (a missing or wrong --data-dir is a fast error naming the path), and on a PGlite
 * directory a running monitor holds they read a private snapshot copy, as fresh as the monitor's last
 * committed write (its result writer may still hold the latest round in memory), instead of opening the
 * live files a second time, which would corrupt them.
 */
import { resolve } from 'node:path';
import { formatDurationMs, loadConfigFile, parseDurationMs, storeLocationFor, storeSchemaFor } from '../config/index.js';
import { pathStateNames } from '../monitor/index.js';
import { toSafeJson } from '../secrets/index.js';
import { openStore } from '../store/index.js';
import type { IncidentRecord } from '../incidents/index.js';
import type { PathSummary } from '../store/store.js';
import { textTable } from '../report/text-table.js';

export interface StoreOptions {
  config?: string;
  db?: string;
  dataDir: string;
}

export interface ReportOptions extends StoreOptions {
  since: string;
  json?: boolean;
}

/** The store read-only commands use: never created, readable while a monitor writes it. */
export async function openReportStore(options: StoreOptions) {
  const config = options.config === undefined ? null : loadConfigFile(options.config);
  const schema = storeSchemaFor(config);
  return openStore(storeLocationFor({ config, db: options.db, dataDir: resolve(options.dataDir) }), { mode: 'read', ...(schema ? { schema } : {}) });
}

export async function reportCommand(options: ReportOptions, out: NodeJS.WritableStream, nowMs = Date.now()): Promise<number> {
  const sinceMs = nowMs - parseDurationMs(options.since);
  const store = await openReportStore(options);
  try {
    const [all, incidents] = await Promise.all([store.summaries(sinceMs, nowMs), store.openIncidents()]);
    const summaries = all.sort((a, b) => a.path.group.localeCompare(b.path.group) || a.path.names.length - b.path.names.length || a.path.names.join(' ').localeCompare(b.path.names.join(' ')));
    if (options.json) {
      out.write(`${toSafeJson({ sinceMs, untilMs: nowMs, store: store.description, paths: summaries.map(summaryJson), openIncidents: incidents.map(incidentJson) }, 2)}\n`);
      return 0;
    }
    if (summaries.length === 0) {
      out.write(`no paths in ${store.description} yet; run \`pathmon run --config FILE\` first\n`);
      return 0;
    }
    out.write(`paths in ${store.description}, last ${options.since}\n`);
    out.write(`${reportTable(summaries)}\n`);
    out.write(`\n${openIncidentsText(incidents)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function summaryJson(summary: PathSummary) {
  const { path } = summary;
  return {
    id: path.id,
    group: path.group,
    path: path.names,
    from: path.fromNode,
    to: path.toNode,
    gone: path.goneAtMs !== null,
    state: summary.state,
    stateSinceMs: summary.stateSinceMs,
    rounds: summary.rounds,
    sent: summary.sent,
    received: summary.received,
    lossPct: summary.lossPct,
    rttMs: { p50: summary.rttP50Ms, p95: summary.rttP95Ms, p99: summary.rttP99Ms },
    timeInStateMs: summary.timeInStateMs,
    openTicketId: summary.openTicketId,
  };
}

function incidentJson(incident: IncidentRecord) {
  return {
    id: incident.id,
    subjectKey: incident.subjectKey,
    kind: incident.kind,
    openedAtMs: incident.openedAtMs,
    lossPct: incident.lossPct,
    addedDelayMs: incident.addedDelayMs,
    confidence: incident.confidence,
    summary: incident.summary,
    explainedPaths: incident.explainedPaths,
  };
}

/** "open incidents: 2" and one line each, or "open incidents: none". */
export function openIncidentsText(incidents: IncidentRecord[]): string {
  if (incidents.length === 0) return 'open incidents: none';
  const lines = incidents.map((i) => {
    const explains = i.explainedPaths.length > 0 ? ` (explains ${i.explainedPaths.length} path${i.explainedPaths.length === 1 ? '' : 's'})` : '';
    return `  ${i.summary || i.subjectKey}${explains}, since ${new Date(i.openedAtMs)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z')}`;
  });
  return [`open incidents: ${incidents.length}`, ...lines].join('\n');
}

export function reportTable(summaries: PathSummary[]): string {
  const ms = (value: number | null) => (value === null ? '-' : Number(value.toFixed(3)));
  const rows = summaries.map((s) => [
    s.path.group,
    s.path.names.join(' '),
    s.path.id.slice(0, 12),
    s.state ?? '-',
    s.rounds,
    s.sent === 0 ? '-' : Number(s.lossPct.toFixed(2)),
    ms(s.rttP50Ms),
    ms(s.rttP95Ms),
    ms(s.rttP99Ms),
    pathStateNames
      .map((state) => (s.timeInStateMs[state] ? `${state} ${formatDurationMs(s.timeInStateMs[state]!)}` : ''))
      .filter(Boolean)
      .join(', ') || '-',
    s.openTicketId ?? '-',
  ]);
  return textTable(['group', 'path', 'id', 'state', 'rounds', 'loss%', 'p50 ms', 'p95 ms', 'p99 ms', 'time in state', 'ticket'], rows);
}
