/**
 * Turns triggers into queued action runs. For a device event: correlate it (node, link, open
 * incident), attach it to the incident (with one gathering ticket note queued), find the rules it
 * matches (else the default rule), and for each rule apply de-duplication and throttling and queue its
 * actions, all in one transaction. For an incident change: the rules on incidents, their actions, and
 * the isolation workflow where a rule has one.
 *
 * Triggers are handled one at a time, in arrival order, so de-duplication and throttling are
 * deterministic (events that pile up meanwhile are stored together, in one transaction); a backlog beyond `maxBacklog` is refused and counted (the event itself stays stored
 * by the receiver) rather than growing without bound.
 */
import { updateEvents } from '../syslog/event-queries.js';
import type { IncidentChange, IncidentRecord } from '../incidents/incident.js';
import type { SyslogEvent } from '../syslog/syslog-event.js';
import type { SqlClient, SqlQueryable } from '../store/sql-client.js';
import { attachEvent, countInWindow, firstInWindow, insertRuns, queueAttachNote, type RenderedAction } from './action-run-queries.js';
import type { EventCorrelator } from './event-correlator.js';
import type { IsolationWorkflow } from './isolation-workflow.js';
import type { ActionConfig, DefaultRuleConfig, RemediationConfig, RuleConfig } from './remediation-config-schema.js';
import { compileRules, matchingRules, type CompiledRule } from './rule-matcher.js';
import { renderTemplate, triggerFields, type Trigger, type TriggerFields } from './trigger-template.js';

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

type AnyRule = { name: string; dedup?: RuleConfig['dedup']; throttle?: RuleConfig['throttle']; actions: ActionConfig[]; isolate?: RuleConfig['isolate'] };

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
          const done: EventOutcome[] = [];
          for (const { event } of batch) done.push(await this.#event(tx, event));
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

  async #event(tx: SqlQueryable, raw: SyslogEvent): Promise<EventOutcome> {
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
    const outcome: EventOutcome = { node: event.node, linkKey: event.linkKey, incidentId: event.incidentId, rules: matched.map((r) => r.name), queuedRuns: 0, duplicates: 0, throttled: 0 };
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
    for (const rule of matched) await this.#queueRule(tx, rule, trigger, event.id, outcome, now);
    // The event's row says what became of it: where it was placed, and whether a rule queued work for it.
    const status = outcome.queuedRuns > 0 ? 'QUEUED' : matched.some((rule) => rule !== this.#default) ? 'MATCHED' : 'UNMATCHED';
    await updateEvents(tx, [{ id: event.id, node: event.node ?? null, linkKey: event.linkKey ?? null, incidentId: event.incidentId ?? null, status }]);
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
    const outcome: EventOutcome = { node: null, linkKey: null, incidentId: change.incident.id, rules: matched.map((r) => r.name), queuedRuns: 0, duplicates: 0, throttled: 0 };
    const isolate: RuleConfig[] = [];
    await this.#o.client.transaction(async (tx) => {
      if (change.change === 'opened') await this.#attachEarlierEvents(tx, change.incident, now);
      for (const rule of matched) {
        if ((await this.#queueRule(tx, rule, trigger, null, outcome, now)) && rule.isolate !== undefined) isolate.push(rule);
      }
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
  async #queueRule(tx: SqlQueryable, rule: AnyRule, trigger: Trigger, eventId: number | null, outcome: EventOutcome, now: number): Promise<boolean> {
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
    const ids = await insertRuns(
      tx,
      rule.actions.map((action) => ({
        rule: rule.name,
        action: renderAction(action, fields),
        fields,
        eventId,
        incidentId: incident?.id ?? null,
        isolationId: null,
        atMs: now,
      })),
    );
    outcome.queuedRuns += ids.length;
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
