/**
 * Turns triggers into queued action runs. For a device event: correlate it (node, link, open
 * incident), attach it to the incident (with one gathering ticket note queued), find the rules it
 * matches (else the default rule), and for each rule apply de-duplication and throttling and queue its
 * actions, all in one transaction. For an incident change: the rules on incidents, their actions, and
 * the isolation workflow where a rule has one.
 *
 * Triggers are handled one at a time, in arrival order, so de-duplication and throttling are
 * deterministic (events that pile up meanwhile are stored together, in one transaction); a backlog beyond `maxBacklog` is refused and counted (the event itself stays stored
 * by the receiver) rather than growing without bound. A transaction's runs and event statuses are
 * written once at its end (one INSERT, one UPDATE), not per event: a burst costs a few statements.
 *
 * A rule with `threshold` fires on the event that brings its link's count to N (link-event-counts.ts);
 * with `isolate`, that starts the isolation workflow for the link in the same transaction.
 *
 * In a fleet the leader takes the events any agent stored (claimStoredEvents): NEW rows are locked
 * with FOR UPDATE SKIP LOCKED in the transaction that handles them and leave NEW in it, so two agents
 * that both think they lead (a hand-over) never handle one event twice, and a crash hands them back.
 */
import { eventFromRow, updateEvents, type EventUpdate } from '../syslog/index.js';
import type { IncidentChange, IncidentRecord } from '../incidents/incident.js';
import type { SyslogEvent } from '../syslog/syslog-event.js';
import type { SqlClient, SqlQueryable } from '../store/sql-client.js';
import { attachEvent, countInWindow, firstInWindow, insertRuns, queueAttachNote, type NewRun, type RenderedAction } from './action-run-queries.js';
import type { EventCorrelator } from './event-correlator.js';
import type { IsolationWorkflow } from './isolation-workflow.js';
import type { ActionConfig, DefaultRuleConfig, RemediationConfig, RuleConfig } from './remediation-config-schema.js';
import { compileRules, matchingRules, type CompiledRule } from './rule-matcher.js';
import { renderTemplate, triggerFields, type Trigger, type TriggerFields } from './trigger-template.js';
import { countLinkEvent } from './link-event-counts.js';

export const DEFAULT_RULE = '(default)';
/** Events stored per transaction at most when a burst arrives. */
const EVENTS_PER_TRANSACTION = 250;

export interface EngineOptions {
  client: SqlClient;
  config: RemediationConfig;
  correlator: EventCorrelator;
  isolations: IsolationWorkflow;
  /** Wakes the pool after runs were queued. */
  kickPool: () => void;
  /** Whether attached events get a ticket note (Freshdesk is configured). */
  noteAttachedEvents: boolean;
  nowMs?: () => number;
  log?: (level: 'info' | 'warn', line: string) => void;
  maxBacklog?: number;
}

/** What became of one event, for the receiver's status column and the counters. */
export interface EventOutcome {
  node: string | null;
  linkKey: string | null;
  incidentId: string | null;
  rules: string[];
  queuedRuns: number;
  duplicates: number;
  throttled: number;
  /** Isolations of a link started by this event (threshold rules with isolate). */
  isolations: number;
}

export interface EngineStats {
  events: number;
  incidentChanges: number;
  attached: number;
  queuedRuns: number;
  duplicates: number;
  throttled: number;
  unmatched: number;
  /** Triggers refused because the backlog was full. */
  refused: number;
  failed: number;
  backlog: number;
  lastError: string | null;
}

type AnyRule = {
  name: string;
  dedup?: RuleConfig['dedup'];
  throttle?: RuleConfig['throttle'];
  threshold?: RuleConfig['threshold'];
  actions: ActionConfig[];
  isolate?: RuleConfig['isolate'];
};

/** What one transaction writes at its end: the runs its triggers queued and the events' new statuses. */
interface Batch {
  runs: NewRun[];
  updates: EventUpdate[];
}

async function flush(tx: SqlQueryable, batch: Batch): Promise<void> {
  await insertRuns(tx, batch.runs);
  await updateEvents(tx, batch.updates);
}

export class RemediationEngine {
  readonly #o: Required<EngineOptions>;
  readonly #rules: CompiledRule[];
  readonly #default: AnyRule | null;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #pendingEvents: { event: SyslogEvent; resolve: (outcome: EventOutcome | null) => void }[] = [];
  #stats: EngineStats = { events: 0, incidentChanges: 0, attached: 0, queuedRuns: 0, duplicates: 0, throttled: 0, unmatched: 0, refused: 0, failed: 0, backlog: 0, lastError: null };

  constructor(options: EngineOptions) {
    this.#o = { nowMs: Date.now, log: () => undefined, maxBacklog: 100_000, ...options };
    this.#rules = compileRules(options.config.rules);
    const d: DefaultRuleConfig | undefined = options.config.default;
    this.#default = d === undefined ? null : { name: DEFAULT_RULE, actions: d.actions, ...(d.dedup && { dedup: d.dedup }), ...(d.throttle && { throttle: d.throttle }) };
  }

  stats(): EngineStats {
    return { ...this.#stats };
  }

  /**
   * Queues the event's work; resolves when it is stored (null when refused or failed). Events that
   * arrive while earlier ones are being stored go together in one transaction: a burst costs a few
   * commits, not one per event.
   */
  handleEvent(event: SyslogEvent): Promise<EventOutcome | null> {
    if (this.#refused(`event ${event.id} from ${event.host}`)) return Promise.resolve(null);
    this.#stats.backlog += 1;
    return new Promise((resolve) => {
      this.#pendingEvents.push({ event, resolve });
      if (this.#pendingEvents.length === 1) this.#chain = this.#chain.then(() => this.#drainEvents());
    });
  }

  async #drainEvents(): Promise<void> {
    while (this.#pendingEvents.length > 0) {
      const batch = this.#pendingEvents.splice(0, EVENTS_PER_TRANSACTION);
      try {
        const outcomes = await this.#o.client.transaction(async (tx) => {
          const writes: Batch = { runs: [], updates: [] };
          const done: EventOutcome[] = [];
          for (const { event } of batch) done.push(await this.#event(tx, event, writes));
          await flush(tx, writes);
          return done;
        });
        for (const outcome of outcomes) this.#count(outcome);
        batch.forEach(({ resolve }, i) => resolve(outcomes[i]!));
        this.#o.kickPool();
      } catch (error) {
        this.#stats.failed += batch.length;
        this.#stats.lastError = (error as Error).message;
        this.#o.log('warn', `remediation: ${batch.length} event(s) from event ${batch[0]!.event.id} on: ${(error as Error).message}`);
        for (const { resolve } of batch) resolve(null);
      } finally {
        this.#stats.backlog -= batch.length;
      }
    }
  }

  #refused(what: string): boolean {
    if (this.#stats.backlog < this.#o.maxBacklog) return false;
    this.#stats.refused += 1;
    if (this.#stats.refused === 1 || this.#stats.refused % 1000 === 0)
      this.#o.log('warn', `remediation: backlog of ${this.#stats.backlog} triggers is full; ${what} not remediated (${this.#stats.refused} refused so far)`);
    return true;
  }

  /**
   * Fleet leader: takes up to `limit` NEW events stored since `sinceMs` by any agent and handles them,
   * oldest first, in one transaction. Resolves to how many were taken (0: none left); on a failure the
   * events go back (rollback) and it rejects.
   */
  claimStoredEvents(limit: number, sinceMs: number): Promise<number> {
    const work = async () => {
      const outcomes = await this.#o.client.transaction(async (tx) => {
        // Locked until this transaction commits them with their new status; SKIP LOCKED leaves rows
        // another leader is handling to it, and the status test (re-checked under the lock) skips
        // rows it committed meanwhile.
        const { rows } = await tx.query<Record<string, unknown>>(`SELECT * FROM syslog_events WHERE status = 'NEW' AND received_at_ms >= $1::bigint ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, [
          sinceMs,
          limit,
        ]);
        const writes: Batch = { runs: [], updates: [] };
        const done: EventOutcome[] = [];
        for (const row of rows) done.push(await this.#event(tx, eventFromRow(row), writes));
        await flush(tx, writes);
        return done;
      });
      for (const outcome of outcomes) this.#count(outcome);
      if (outcomes.length > 0) this.#o.kickPool();
      return outcomes.length;
    };
    const result = this.#chain.then(work);
    this.#chain = result.catch(() => undefined);
    return result;
  }

  /** An event that fails on its own, every time: marked FAILURE so the leader's feed moves past it. */
  async failStoredEvent(sinceMs: number, why: string): Promise<number | null> {
    const { rows } = await this.#o.client.query<{ id: unknown }>(
      `UPDATE syslog_events SET status = 'FAILURE'
        WHERE id = (SELECT id FROM syslog_events WHERE status = 'NEW' AND received_at_ms >= $1::bigint ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [sinceMs],
    );
    const id = rows[0] ? Number(rows[0].id) : null;
    if (id !== null) {
      this.#stats.failed += 1;
      this.#o.log('warn', `remediation: event ${id} could not be handled (${why}); marked FAILURE`);
    }
    return id;
  }

  handleIncidentChange(change: IncidentChange): Promise<number | null> {
    return this.#serial(() => this.#incident(change), `incident ${change.incident.id} ${change.change}`);
  }

  #serial<T>(work: () => Promise<T>, what: string): Promise<T | null> {
    if (this.#refused(what)) return Promise.resolve(null);
    this.#stats.backlog += 1;
    const result = this.#chain
      .then(work)
      .then(
        (value) => value,
        (error: unknown) => {
          this.#stats.failed += 1;
          this.#stats.lastError = (error as Error).message;
          this.#o.log('warn', `remediation: ${what}: ${(error as Error).message}`);
          return null;
        },
      )
      .finally(() => {
        this.#stats.backlog -= 1;
      });
    this.#chain = result;
    return result;
  }

  async #event(tx: SqlQueryable, raw: SyslogEvent, writes: Batch): Promise<EventOutcome> {
    this.#stats.events += 1;
    const correlation = this.#o.correlator.correlate(raw);
    const event: SyslogEvent = {
      ...raw,
      node: correlation.node?.name ?? raw.node,
      linkKey: correlation.link?.key ?? raw.linkKey,
      incidentId: correlation.incident?.id ?? raw.incidentId,
    };
    const trigger: Trigger = { kind: 'event', event, incident: correlation.incident, change: null, reason: null, linkLabel: correlation.linkLabel };
    const matched: AnyRule[] = matchingRules(this.#rules, trigger);
    if (matched.length === 0) {
      this.#stats.unmatched += 1;
      if (this.#default !== null) matched.push(this.#default);
    }
    const now = this.#o.nowMs();
    const outcome: EventOutcome = {
      node: event.node,
      linkKey: event.linkKey,
      incidentId: event.incidentId,
      rules: matched.map((r) => r.name),
      queuedRuns: 0,
      duplicates: 0,
      throttled: 0,
      isolations: 0,
    };
    const incident = correlation.incident;
    if (incident !== null) {
      const attached = await attachEvent(tx, {
        incidentId: incident.id,
        eventId: event.id,
        atMs: event.receivedAtMs,
        host: event.host,
        node: event.node,
        linkKey: event.linkKey,
        linkLabel: correlation.linkLabel,
        errorCode: event.errorCode,
        severity: event.severity,
        program: event.program,
        message: event.message.slice(0, 4000),
      });
      if (attached) {
        this.#stats.attached += 1;
        if (this.#o.noteAttachedEvents) await queueAttachNote(tx, incident.id, triggerFields(trigger, '(attach)'), now, now + this.#o.config.attachNoteDelayMs);
      }
    }
    for (const rule of matched) {
      if (rule.threshold === undefined) {
        await this.#queueRule(tx, rule, trigger, event.id, outcome, now, writes);
        continue;
      }
      // Counted per physical link; an event placed on no link cannot count towards one.
      if (correlation.link === null) continue;
      const link = this.#o.correlator.physicalLink(correlation.link);
      const { count, reached } = await countLinkEvent(tx, rule.name, link.subjectKey, event.receivedAtMs, rule.threshold);
      if (!reached) continue;
      const fired: Trigger = { ...trigger, reason: `${count} event(s) matching rule ${rule.name} on ${link.label} within ${rule.threshold.withinMs} ms` };
      if (!(await this.#queueRule(tx, rule, fired, event.id, outcome, now, writes)) || rule.isolate === undefined) continue;
      const fields = triggerFields(fired, rule.name);
      const isolation = await this.#o.isolations.beginOnLink(tx, rule.name, rule.isolate, { ...link, triggerId: `events@${event.id}`, eventId: event.id }, fields);
      if (isolation !== null) {
        outcome.isolations += 1;
        outcome.queuedRuns += 1;
      }
    }
    // The event's row says what became of it: where it was placed, and whether a rule queued work for it.
    const status = outcome.queuedRuns > 0 ? 'QUEUED' : matched.some((rule) => rule !== this.#default) ? 'MATCHED' : 'UNMATCHED';
    writes.updates.push({ id: event.id, node: event.node ?? null, linkKey: event.linkKey ?? null, incidentId: event.incidentId ?? null, status });
    return outcome;
  }

  async #incident(change: IncidentChange): Promise<number> {
    this.#stats.incidentChanges += 1;
    const trigger: Trigger = { kind: 'incident', event: null, incident: change.incident, change: change.change, reason: change.reason, linkLabel: null };
    const matched = matchingRules(this.#rules, trigger);
    const now = this.#o.nowMs();
    if (matched.length === 0) {
      if (change.change === 'opened') await this.#o.client.transaction((tx) => this.#attachEarlierEvents(tx, change.incident, now));
      return 0;
    }
    const outcome: EventOutcome = { node: null, linkKey: null, incidentId: change.incident.id, rules: matched.map((r) => r.name), queuedRuns: 0, duplicates: 0, throttled: 0, isolations: 0 };
    const isolate: RuleConfig[] = [];
    await this.#o.client.transaction(async (tx) => {
      if (change.change === 'opened') await this.#attachEarlierEvents(tx, change.incident, now);
      const writes: Batch = { runs: [], updates: [] };
      for (const rule of matched) {
        if ((await this.#queueRule(tx, rule, trigger, null, outcome, now, writes)) && rule.isolate !== undefined) isolate.push(rule);
      }
      await flush(tx, writes);
    });
    this.#count(outcome);
    for (const rule of isolate) await this.#o.isolations.begin(rule.name, rule.isolate!, change.incident, triggerFields(trigger, rule.name));
    this.#o.kickPool();
    return outcome.queuedRuns;
  }

  /**
   * A link goes down and its routers say so at once, while the probes need their hysteresis rounds to
   * open the incident: the device's words arrive first. When a link (or group) incident opens, the
   * events of the last EARLIER_EVENTS_MS on its links that no incident took are attached to it too.
   */
  async #attachEarlierEvents(tx: SqlQueryable, incident: IncidentRecord, now: number): Promise<void> {
    if (incident.subject.kind === 'path') return;
    const keys = incident.subject.linkKeys.flatMap((key) => [key, reverseLinkKey(key)]);
    const { rows } = await tx.query<{
      id: unknown;
      received_at_ms: unknown;
      host: string;
      node: string | null;
      link_key: string;
      error_code: string | null;
      severity: number | null;
      program: string | null;
      message: string;
    }>(
      `SELECT id, received_at_ms, host, node, link_key, error_code, severity, program, message FROM syslog_events
        WHERE incident_id IS NULL AND link_key = ANY($1::text[]) AND received_at_ms >= $2 ORDER BY id LIMIT 1000`,
      [keys, incident.openedAtMs - EARLIER_EVENTS_MS],
    );
    let attached = 0;
    for (const row of rows) {
      const eventId = Number(row.id);
      const added = await attachEvent(tx, {
        incidentId: incident.id,
        eventId,
        atMs: Number(row.received_at_ms),
        host: row.host,
        node: row.node,
        linkKey: row.link_key,
        linkLabel: incident.subject.label,
        errorCode: row.error_code,
        severity: row.severity,
        program: row.program,
        message: row.message.slice(0, 4000),
      });
      if (added) attached += 1;
    }
    if (rows.length > 0)
      await updateEvents(
        tx,
        rows.map((row) => ({ id: Number(row.id), incidentId: incident.id })),
      );
    if (attached === 0) return;
    this.#stats.attached += attached;
    if (this.#o.noteAttachedEvents) {
      const fields = triggerFields({ kind: 'incident', event: null, incident, change: 'opened', reason: null, linkLabel: incident.subject.label }, '(attach)');
      await queueAttachNote(tx, incident.id, fields, now, now + this.#o.config.attachNoteDelayMs);
    }
  }

  /** De-duplication, throttle, then the rule's runs; false when the trigger was dropped by either. */
  async #queueRule(tx: SqlQueryable, rule: AnyRule, trigger: Trigger, eventId: number | null, outcome: EventOutcome, now: number, writes: Batch): Promise<boolean> {
    const fields = triggerFields(trigger, rule.name);
    if (rule.dedup !== undefined && !(await firstInWindow(tx, rule.name, renderTemplate(rule.dedup.key, fields), now, rule.dedup.windowMs))) {
      outcome.duplicates += 1;
      return false;
    }
    if (rule.throttle !== undefined && (await countInWindow(tx, rule.name, renderTemplate(rule.throttle.key, fields), now, rule.throttle.windowMs)) > rule.throttle.max) {
      outcome.throttled += 1;
      return false;
    }
    const incident: IncidentRecord | null = trigger.incident;
    for (const action of rule.actions) {
      writes.runs.push({ rule: rule.name, action: renderAction(action, fields), fields, eventId, incidentId: incident?.id ?? null, isolationId: null, atMs: now });
    }
    outcome.queuedRuns += rule.actions.length;
    return true;
  }

  #count(outcome: EventOutcome): void {
    this.#stats.queuedRuns += outcome.queuedRuns;
    this.#stats.duplicates += outcome.duplicates;
    this.#stats.throttled += outcome.throttled;
  }
}

/** The action with every template filled from the trigger: what is stored and later carried out. */
export function renderAction(action: ActionConfig, fields: TriggerFields): RenderedAction {
  const r = (text: string) => renderTemplate(text, fields);
  switch (action.type) {
    case 'command':
      return { type: 'command', argv: action.argv.map(r), timeoutMs: action.timeoutMs, env: Object.fromEntries(Object.entries(action.env).map(([k, v]) => [k, r(v)])) };
    case 'webhook':
      return { type: 'webhook', url: action.url, timeoutMs: action.timeoutMs, headers: action.headers };
    case 'note':
      return { type: 'note', text: r(action.text) };
    case 'ticket':
      return {
        type: 'ticket',
        subject: r(action.subject),
        description: r(action.description),
        priority: action.priority,
        tags: action.tags,
        ...(action.groupId !== undefined && { groupId: action.groupId }),
      };
    case 'mail':
      return { type: 'mail', subject: r(action.subject), text: r(action.text), ...(action.to !== undefined && { to: action.to }) };
  }
}

/** How far before an incident opened its links' unattached events are still taken as its evidence. */
const EARLIER_EVENTS_MS = 10 * 60_000;

/** `A|B|a|b` (from A, local address a) read from the other end: `B|A|b|a`. */
function reverseLinkKey(key: string): string {
  const [from, to, local, neighbor, ...rest] = key.split('|');
  return [to, from, neighbor, local, ...rest].join('|');
}
