/**
 * `pathmon actions [--since 24h] [--incident ID] [--state S] [--json]`: the remediation action runs
 * from the store, newest first (rule, action, state, duration, what it printed or why it failed), and
 * the link isolations in progress or finished in the window. Reads only; works beside a running pathmon.
 */
import { parseDurationMs } from '../config/index.js';
import { CliError } from '../cli-error.js';
import { actionRuns, isolations, type RunState } from '../remediate/index.js';
import { toSafeJson } from '../secrets/index.js';
import { textTable } from '../report/text-table.js';
import { openReportStore, type StoreOptions } from './report-command.js';

export interface ActionsOptions extends StoreOptions {
  since: string;
  incident?: string;
  state?: string;
  limit?: number;
  json?: boolean;
}

const states: RunState[] = ['QUEUED', 'RUNNING', 'SUCCESS', 'FAILURE', 'TIMEOUT'];

export async function actionsCommand(options: ActionsOptions, out: NodeJS.WritableStream, nowMs = Date.now()): Promise<number> {
  const sinceMs = nowMs - parseDurationMs(options.since);
  const state = options.state?.toUpperCase();
  if (state !== undefined && !states.includes(state as RunState)) {
    throw new CliError(`pathmon actions: --state ${options.state}; expected one of ${states.join(', ')}`, 2);
  }
  const store = await openReportStore(options);
  try {
    const q = store.sqlClient;
    const filter = { sinceMs, limit: options.limit ?? 200, ...(options.incident !== undefined && { incidentId: options.incident }), ...(state !== undefined && { state: state as RunState }) };
    const [runs, isolated] = await Promise.all([actionRuns(q, filter), isolations(q, { sinceMs, ...(options.incident !== undefined && { incidentId: options.incident }) })]);
    if (options.json) {
      out.write(`${toSafeJson({ sinceMs, untilMs: nowMs, runs, isolations: isolated }, 2)}\n`);
      return 0;
    }
    const time = (ms: number | null) =>
      ms === null
        ? '-'
        : new Date(ms)
            .toISOString()
            .replace('T', ' ')
            .replace(/\.\d+Z$/, 'Z');
    const oneLine = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 80);
    out.write(
      runs.length === 0
        ? `no action runs in the last ${options.since}\n`
        : `${textTable(
            ['id', 'queued', 'rule', 'action', 'state', 'ms', 'incident', 'result'],
            runs.map((r) => [r.id, time(r.queuedAtMs), r.rule, r.action.type, r.state, r.durationMs === null ? '-' : Math.round(r.durationMs), r.incidentId ?? '-', oneLine(r.error ?? r.output)]),
          )}\n`,
    );
    if (isolated.length > 0) {
      out.write(
        `\nlink isolations\n${textTable(
          ['id', 'link', 'incident', 'state', 'ticket', 'outcome', 'updated'],
          isolated.map((i) => [i.id, i.label, i.incidentId, i.state, i.ticketId ?? '-', i.outcome ?? '-', time(i.updatedAtMs)]),
        ).replace(/^/gm, '  ')}\n`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
