/**
 * The API behind the events page's action runs: what each rule ran, newest first, filtered by state,
 * rule, action kind, event or incident, paged by id. `GET /api/action-runs` lists runs with the start
 * of their output (a page stays small whatever the runs printed); `GET /api/action-runs/ID` is one run
 * with its whole stored output. Output is the device's and the command's text: the page escapes it.
 *
 * The runs live in remediation's tables (src/remediate/), read through the store's SQL connection; a
 * store without one answers an empty list with `available: false`.
 */
import { listRuns, runWithOutput, type RunListFilter, type RunState } from '../remediate/index.js';
import { intParam, rangeParams, stringParam } from './api-query.js';
import { sqlClientOf } from './store-sql-client.js';
import { ApiInputError, NotFound } from './web-error.js';

export interface ActionRunsApiContext {
  view: { store: unknown };
  clock: () => number;
}

/** The runs list looks back a day unless told otherwise, like the events list. */
export const RUN_RANGE_MS = 86_400_000;
const MAX_RUNS = 500;
const STATES: readonly RunState[] = ['QUEUED', 'RUNNING', 'SUCCESS', 'FAILURE', 'TIMEOUT'];
const KINDS = ['command', 'webhook', 'note', 'ticket', 'mail', 'attach-note'];
/** Rule names as the config allows them, plus the built-in `(default)` and `(attach)`. */
const RULE = /^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}|\((?:default|attach)\))$/;

/** `GET /api/action-runs?since&until&status&rule&kind&event&incident&before&limit`. */
export async function actionRunList(context: ActionRunsApiContext, query: URLSearchParams): Promise<unknown> {
  const nowMs = context.clock();
  const { sinceMs, untilMs } = rangeParams(query, nowMs, RUN_RANGE_MS);
  const filter: RunListFilter = { sinceMs, untilMs: untilMs + 1, limit: intParam(query, 'limit', 100, 1, MAX_RUNS) };
  const status = stringParam(query, 'status', 20);
  if (status !== null) {
    const upper = status.toUpperCase();
    if (!(STATES as readonly string[]).includes(upper)) {
      throw new ApiInputError('status', `api.status: "${shown(status)}" is not a run status; expected one of ${STATES.join(', ')}`);
    }
    filter.state = upper as RunState;
  }
  const rule = stringParam(query, 'rule', 70);
  if (rule !== null) {
    if (!RULE.test(rule)) throw new ApiInputError('rule', `api.rule: "${shown(rule)}" is not a rule name; expected letters, digits, "_", "." or "-" (1-64), or (default) or (attach)`);
    filter.rule = rule;
  }
  const kind = stringParam(query, 'kind', 20);
  if (kind !== null) {
    if (!KINDS.includes(kind)) throw new ApiInputError('kind', `api.kind: "${shown(kind)}" is not an action kind; expected one of ${KINDS.join(', ')}`);
    filter.kind = kind;
  }
  if (stringParam(query, 'event', 20) !== null) filter.eventId = intParam(query, 'event', 0, 1, 999_999_999);
  const incident = stringParam(query, 'incident', 200);
  if (incident !== null) {
    if (!/^[\x21-\x7e]+$/.test(incident)) throw new ApiInputError('incident', `api.incident: "${shown(incident)}" is not an incident id; expected printable ASCII as listed by GET /api/incidents`);
    filter.incidentId = incident;
  }
  if (stringParam(query, 'before', 20) !== null) filter.beforeId = intParam(query, 'before', 0, 1, 999_999_999);

  const client = sqlClientOf(context.view.store);
  if (!client) return { nowMs, sinceMs, untilMs, available: false, runs: [], nextBefore: null };
  const runs = await listRuns(client, filter);
  return { nowMs, sinceMs, untilMs, available: true, runs, nextBefore: runs.length === filter.limit ? runs[runs.length - 1]!.id : null };
}

/** `GET /api/action-runs/ID`: one run with its whole stored output. */
export async function actionRunDetail(context: ActionRunsApiContext, rawId: string): Promise<unknown> {
  if (!/^\d{1,15}$/.test(rawId) || Number(rawId) < 1) throw new ApiInputError('id', `api.id: "${shown(rawId)}" is not a run id; expected a positive integer as listed by GET /api/action-runs`);
  const client = sqlClientOf(context.view.store);
  const run = client ? await runWithOutput(client, Number(rawId)) : null;
  if (run === null) throw new NotFound(`api.actionRun: no action run with id ${rawId}; expected an id listed by GET /api/action-runs`);
  return { nowMs: context.clock(), run };
}

function shown(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 60 ? `${printable.slice(0, 60)}...` : printable;
}
