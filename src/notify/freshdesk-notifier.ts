/**
 * Freshdesk tickets for incidents: one open ticket per incident subject (a directed link, both
 * directions of a link, a link group, or a path no link incident explains), from the incident's opening
 * until it resolves, with a note for every change in between. This is the Freshdesk deliverer of the
 * notification outbox: it carries out one outbox item at a time; the dispatcher orders, retries and
 * records.
 *
 * - opened (or updated) and no open ticket: create one (status 2, priority from the kind: down ->
 *   priority.DOWN, loss/delay -> priority.DEGRADED; tags naming pathmon, the kind and the subject;
 *   the description names the subject's previous ticket, if any), remember it in the store;
 * - opened or updated with an open ticket: a note; the priority is raised when the kind got worse;
 * - resolved: a note, then status 4 (resolved), and the store marks the ticket resolved.
 *
 * Stale work is re-judged before sending: an open or update for an incident that has resolved by the time
 * it is delivered, and that never got its ticket, opens none (superseded: a ticket opened and resolved
 * in one breath helps nobody); its resolve then finds nothing to resolve and is superseded too.
 *
 * A ticket an agent resolved (4) or closed (5) is the agent's: before every note or resolve the ticket is
 * read, and when a person got there first it is marked closed-by-person in the store and never noted,
 * resolved or reopened by pathmon. The incident's later changes are superseded; the subject's next
 * incident opens a new ticket that names the old one.
 *
 * Never a duplicate: the store is asked first (so a restarted daemon finds the ticket it opened), and
 * before every create Freshdesk itself is asked for an open ticket carrying the subject's own tag
 * (`pathmon-<digest>`; a path keeps the tag its tickets had before incidents, so tickets opened before
 * the upgrade are found). That second look covers what the store cannot know: a create that timed out
 * or got a 5xx after Freshdesk had stored the ticket, or a crash between the create and the store
 * write. After such an ambiguous failure the create is not repeated blindly: the look comes first.
 *
 * Failures: 429 pauses the whole channel until its Retry-After (Freshdesk's limit is per account) and
 * the item is not tried before then; 5xx, timeouts and store failures are retried with backoff; other
 * 4xx fail the item with Freshdesk's field errors named. What was already done for an item (a ticket
 * created, a note added) is remembered while the process lives, so a retry repeats no step.
 */
import { incidentKindSeverity, type IncidentChange, type IncidentKind, type IncidentRecord } from '../incidents/incident.js';
import type { OutboxItem, TicketRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { redactError } from '../secrets/redact.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import { escapeHtml, utcTime } from './evidence-format.js';
import { incidentEvidenceHtml, incidentTitle, pathStateOf, subjectTag } from './incident-format.js';
import type { FreshdeskClient, FreshdeskTicket } from './freshdesk-client.js';
import { IntegrationError } from './integration-error.js';
import type { DeliveryContext, DeliveryOutcome, Notifier, NotifierStatus } from './notifier.js';
import { stderrNotifyLog, type NotifyLog } from './notify-log.js';

/** The part of the store the notifiers use. */
export type NotifyStore = Pick<Store, 'openTicket' | 'saveTicket' | 'lastTicket'>;

/** Freshdesk's ticket statuses and the priorities pathmon uses. */
export const freshdeskStatus = { open: 2, pending: 3, resolved: 4, closed: 5 } as const;

export interface FreshdeskNotifierOptions {
  client: FreshdeskClient;
  store: NotifyStore;
  requesterEmail: string;
  /** Extra tags for every ticket. */
  tags: string[];
  priority: { DEGRADED: number; DOWN: number };
  source: number;
  groupId?: number;
  privateNotes: boolean;
  nowMs?: () => number;
  log?: NotifyLog;
  /** Waits between attempts of one outbox item (default 30 s doubling to 10 min). */
  queueBackoff?: BackoffOptions;
  /** Subjects worked on at once (default 4): one hanging request holds back only its own subject. */
  concurrency?: number;
  /** How often a create that failed ambiguously is looked up and tried again within one delivery. */
  maxCreateAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** How far back Freshdesk is searched for a subject's open ticket (default 30 days). */
  lookbackMs?: number;
}

/** What has already been done for one outbox item, so a retry repeats no step. */
interface Progress {
  createdTicketId: number | null;
  noted: boolean;
  updated: boolean;
}

export { pathTag, subjectTag } from './incident-format.js';

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FreshdeskNotifier implements Notifier {
  readonly channel = 'freshdesk' as const;
  readonly concurrency: number;
  readonly retryBackoff: BackoffOptions;
  /** Freshdesk or the network failing is waited out however long it lasts; 4xx fail at once. */
  readonly maxAttempts = Number.POSITIVE_INFINITY;
  readonly #o: FreshdeskNotifierOptions & Required<Pick<FreshdeskNotifierOptions, 'nowMs' | 'log' | 'maxCreateAttempts' | 'sleep' | 'random' | 'lookbackMs'>>;
  /** Steps done per outbox item id; dropped when the item is finished. */
  readonly #progress = new Map<number, Progress>();
  /** A 429's Retry-After: Freshdesk's limit is per account, so the whole channel waits. */
  #pausedUntilMs = 0;
  #status: NotifierStatus = { channel: 'freshdesk', queued: 0, lastError: null, lastErrorAtMs: null, lastSentAtMs: null };

  constructor(options: FreshdeskNotifierOptions) {
    this.#o = {
      nowMs: Date.now,
      log: stderrNotifyLog,
      maxCreateAttempts: 3,
      sleep: realSleep,
      random: Math.random,
      lookbackMs: 30 * 24 * 3600 * 1000,
      ...options,
    };
    this.concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new Error(`notify.FreshdeskNotifier: concurrency ${String(options.concurrency)}; expected a positive integer`);
    }
    this.retryBackoff = options.queueBackoff ?? { baseMs: 30_000, capMs: 600_000 };
  }

  async deliver(item: OutboxItem, context: DeliveryContext): Promise<DeliveryOutcome> {
    const progress = this.#progress.get(item.id) ?? { createdTicketId: null, noted: false, updated: false };
    this.#progress.set(item.id, progress);
    try {
      const outcome = await this.#handle(item.change, progress, context.current);
      this.#progress.delete(item.id);
      if (outcome.kind === 'delivered') this.#status.lastSentAtMs = this.#o.nowMs();
      return outcome;
    } catch (error) {
      const message = redactError(error);
      this.#status.lastError = message;
      this.#status.lastErrorAtMs = this.#o.nowMs();
      if (!isRetryable(error)) {
        this.#progress.delete(item.id);
        return { kind: 'failed', error: message };
      }
      const waitMs = error instanceof IntegrationError && error.code === 'rate-limited' ? error.retryAfterMs : null;
      if (waitMs === null) return { kind: 'retry', error: message };
      const notBeforeMs = this.#o.nowMs() + waitMs;
      this.#pausedUntilMs = Math.max(this.#pausedUntilMs, notBeforeMs);
      return { kind: 'retry', error: message, notBeforeMs };
    }
  }

  readyAtMs(): number {
    return this.#pausedUntilMs;
  }

  /** An open incident lacks its ticket when its subject has no open ticket and none was ever opened for it. */
  async lacks(incident: IncidentRecord): Promise<boolean> {
    if ((await this.#o.store.openTicket(incident.subjectKey)) !== null) return false;
    const last = await this.#o.store.lastTicket(incident.subjectKey);
    return last === null || last.incidentId !== incident.id;
  }

  async close(): Promise<void> {
    // Nothing is held here: pending work is in the store's outbox.
  }

  status(): NotifierStatus {
    return { ...this.#status };
  }

  /** Carries out one incident change. */
  async #handle(item: IncidentChange, progress: Progress, current: IncidentRecord | null): Promise<DeliveryOutcome> {
    const { incident } = item;
    let open = await this.#o.store.openTicket(incident.subjectKey);
    if (item.change !== 'resolved') {
      if (progress.createdTicketId !== null && open?.ticketId !== progress.createdTicketId) {
        // Created earlier in this item's life, but the store write failed: write it now.
        await this.#o.store.saveTicket(this.#newRecord(item, progress.createdTicketId));
        return { kind: 'delivered', detail: `ticket ${progress.createdTicketId} opened` };
      }
      if (open !== null) {
        const left = await this.#leftToPerson(open, item, progress);
        if (left === 'gone') {
          open = null;
        } else if (left !== null) {
          if (open.incidentId === incident.id) return { kind: 'superseded', detail: left };
          // A person closed the previous incident's ticket; this incident gets a new one.
          open = null;
        }
      }
      if (open !== null) {
        try {
          return { kind: 'delivered', detail: await this.#noteChange(open, item, progress) };
        } catch (error) {
          if (!isNotFound(error)) throw error;
          await this.#forgetDeleted(open, incident);
          open = null;
        }
      }
      const last = await this.#o.store.lastTicket(incident.subjectKey);
      if (last !== null && last.incidentId === incident.id && last.closedByPerson === true) {
        return { kind: 'superseded', detail: `ticket ${last.ticketId} of this incident was closed by a person in Freshdesk; pathmon leaves it alone` };
      }
      if (current !== null && current.id === incident.id && current.state === 'resolved') {
        return {
          kind: 'superseded',
          detail: `the incident resolved at ${utcTime(current.resolvedAtMs ?? current.updatedAtMs)} before its ticket could be opened; no ticket for a fault that is over`,
        };
      }
      progress.noted = false;
      progress.updated = false;
      return { kind: 'delivered', detail: await this.#openTicket(item, progress, last !== null && last.resolvedAtMs !== null ? last : null) };
    }
    if (open === null) {
      return { kind: 'superseded', detail: 'no open ticket to resolve (none was opened, or a person closed it)' };
    }
    const left = await this.#leftToPerson(open, item, progress);
    if (left === 'gone') return { kind: 'delivered', detail: `ticket ${open.ticketId} no longer exists in Freshdesk; forgotten` };
    if (left !== null) return { kind: 'superseded', detail: left };
    return { kind: 'delivered', detail: await this.#resolve(open, item, progress) };
  }

  /**
   * Reads the ticket before pathmon touches it again: null when it is still pathmon's to note or
   * resolve; 'gone' when it was deleted (forgotten in the store); otherwise why pathmon leaves it alone
   * (an agent resolved or closed it; marked closed-by-person in the store).
   */
  async #leftToPerson(open: TicketRecord, item: IncidentChange, progress: Progress): Promise<string | null | 'gone'> {
    // Noted earlier in this item's life: the ticket was pathmon's a moment ago.
    if (progress.noted) return null;
    let ticket: FreshdeskTicket;
    try {
      ticket = await this.#o.client.getTicket(open.ticketId);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.#forgetDeleted(open, item.incident);
      return 'gone';
    }
    if (ticket.status !== freshdeskStatus.resolved && ticket.status !== freshdeskStatus.closed) return null;
    const how = ticket.status === freshdeskStatus.closed ? 'closed' : 'resolved';
    await this.#o.store.saveTicket({ ...open, resolvedAtMs: this.#o.nowMs(), closedByPerson: true });
    this.#o.log('warn', `freshdesk: ticket ${open.ticketId} of ${incidentTitle(item.incident)} was ${how} by a person; pathmon leaves it alone`);
    return `ticket ${open.ticketId} was ${how} by a person in Freshdesk; pathmon leaves it alone`;
  }

  async #forgetDeleted(open: TicketRecord, incident: IncidentRecord): Promise<void> {
    await this.#o.store.saveTicket({ ...open, resolvedAtMs: this.#o.nowMs() });
    this.#o.log('warn', `freshdesk: ticket ${open.ticketId} of ${incidentTitle(incident)} no longer exists in Freshdesk`);
  }

  async #openTicket(item: IncidentChange, progress: Progress, earlier: TicketRecord | null): Promise<string> {
    const { incident } = item;
    for (let attempt = 1; ; attempt += 1) {
      const existing = await this.#findOpenInFreshdesk(item);
      if (existing !== null) {
        // Ours from an answerless create or from before a lost store write: adopt it, never duplicate.
        const record = this.#newRecord(item, existing.id);
        await this.#o.store.saveTicket(record);
        progress.createdTicketId = existing.id;
        await this.#o.client.addNote(existing.id, this.#changeNoteHtml(item, null), this.#o.privateNotes);
        return `ticket ${existing.id} found open in Freshdesk (tag ${subjectTag(incident)}) and noted`;
      }
      try {
        const created = await this.#o.client.createTicket(this.#ticketInput(item, earlier));
        progress.createdTicketId = created.id;
        await this.#o.store.saveTicket(this.#newRecord(item, created.id));
        return `ticket ${created.id} opened${earlier === null ? '' : ` (follows ticket ${earlier.ticketId})`}`;
      } catch (error) {
        const ambiguous = error instanceof IntegrationError && error.ambiguous && error.retryable;
        if (!ambiguous || attempt >= this.#o.maxCreateAttempts) throw error;
        this.#o.log('warn', `freshdesk: creating the ticket for ${incidentTitle(incident)} may or may not have worked (${redactError(error)}); looking for it before trying again`);
        await this.#o.sleep(backoffDelayMs(attempt - 1, { baseMs: 1000, capMs: 30_000 }, this.#o.random));
      }
    }
  }

  async #noteChange(open: TicketRecord, item: IncidentChange, progress: Progress): Promise<string> {
    const { kind } = item.incident;
    if (!progress.noted) {
      await this.#o.client.addNote(open.ticketId, this.#changeNoteHtml(item, open), this.#o.privateNotes);
      progress.noted = true;
    }
    const before = this.#priorityOfState(open.lastState);
    const now = this.#priorityOf(kind);
    const raise = before !== null && now > before;
    if (raise && !progress.updated) {
      await this.#o.client.updateTicket(open.ticketId, { priority: now });
      progress.updated = true;
    }
    await this.#o.store.saveTicket({ ...open, incidentId: item.incident.id, lastState: kind });
    return `ticket ${open.ticketId} noted: ${open.lastState} -> ${kind}${raise ? `, priority ${now}` : ''}`;
  }

  async #resolve(open: TicketRecord, item: IncidentChange, progress: Progress): Promise<string> {
    const lastState = item.incident.kind;
    try {
      if (!progress.noted) {
        await this.#o.client.addNote(open.ticketId, this.#resolveNoteHtml(item), this.#o.privateNotes);
        progress.noted = true;
      }
      if (!progress.updated) {
        await this.#o.client.updateTicket(open.ticketId, { status: freshdeskStatus.resolved });
        progress.updated = true;
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.#o.store.saveTicket({ ...open, lastState, resolvedAtMs: this.#o.nowMs() });
      return `ticket ${open.ticketId} no longer exists in Freshdesk; forgotten`;
    }
    await this.#o.store.saveTicket({ ...open, lastState, resolvedAtMs: this.#o.nowMs() });
    const why = isGonePath(item) ? 'path no longer exists' : item.incident.subject.kind === 'path' ? 'path recovered' : item.reason;
    return `ticket ${open.ticketId} resolved (${why})`;
  }

  async #findOpenInFreshdesk(item: IncidentChange): Promise<FreshdeskTicket | null> {
    const tag = subjectTag(item.incident);
    let tickets: FreshdeskTicket[];
    try {
      tickets = await this.#o.client.ticketsOf(this.#o.requesterEmail, this.#o.nowMs() - this.#o.lookbackMs);
    } catch (error) {
      // No contact with the requester's address yet (the first ticket ever creates it): no tickets.
      const noContact = error instanceof IntegrationError && error.status === 400 && error.fields.some((f) => f.field === 'email');
      if (noContact) return null;
      throw error;
    }
    const open = tickets.filter((t) => Array.isArray(t.tags) && t.tags.includes(tag) && t.status !== freshdeskStatus.resolved && t.status !== freshdeskStatus.closed);
    return open[0] ?? null;
  }

  /** priority.DOWN for a link or path that drops everything, priority.DEGRADED for loss or delay. */
  #priorityOf(kind: IncidentKind): number {
    return kind === 'down' ? this.#o.priority.DOWN : this.#o.priority.DEGRADED;
  }

  /** The priority a ticket's last described state had: an incident kind, or a path state from before incidents. */
  #priorityOfState(state: string): number | null {
    if (state in incidentKindSeverity) return this.#priorityOf(state as IncidentKind);
    if (state === 'DOWN' || state === 'DEGRADED') return this.#o.priority[state];
    return null;
  }

  /** `earlier` is the subject's previous ticket, named in the description so the history stays linked. */
  #ticketInput(item: IncidentChange, earlier: TicketRecord | null) {
    const { incident } = item;
    const { subject } = incident;
    const tag = subjectTag(incident);
    const group = subject.kind === 'path' ? [subject.group.slice(0, 32)] : [];
    const tags = [...new Set(['pathmon', ...group, incident.kind, tag, ...this.#o.tags])].filter((t) => t.length > 0);
    const title = subject.kind === 'path' ? `pathmon: ${subject.label} ${pathStateOf(incident)} (group ${subject.group})` : incidentTitle(incident);
    const what =
      subject.kind === 'path'
        ? `path <b>${escapeHtml(subject.label)}</b> as <b>${escapeHtml(pathStateOf(incident))}</b>`
        : `<b>${escapeHtml(incidentTitle(incident))}</b> (${subject.kind === 'group' ? 'a link group' : subject.direction === 'both' ? 'both directions' : 'one direction'})`;
    return {
      email: this.#o.requesterEmail,
      subject: title.replace(/[\r\n]+/g, ' ').slice(0, 255),
      description: [
        `<p>pathmon measured ${what}.</p>`,
        incidentEvidenceHtml(item),
        ...(earlier === null ? [] : [earlierTicketHtml(earlier)]),
        `<p>This ticket is kept by pathmon: changes are added as notes and it is resolved when the incident resolves. Subject tag: ${escapeHtml(tag)}.</p>`,
      ].join('\n'),
      status: freshdeskStatus.open,
      priority: this.#priorityOf(incident.kind),
      source: this.#o.source,
      tags,
      ...(this.#o.groupId !== undefined ? { group_id: this.#o.groupId } : {}),
    };
  }

  /** `open` is the ticket being noted, or null when an adopted ticket is noted. */
  #changeNoteHtml(item: IncidentChange, open: TicketRecord | null): string {
    const { incident, previous } = item;
    let head: string;
    if (incident.subject.kind === 'path') {
      const from = incident.transition?.from ?? (previous !== null ? pathStateOf(previous) : (open?.lastState ?? 'new'));
      head = `<p>State changed: <b>${escapeHtml(from)} -&gt; ${escapeHtml(pathStateOf(incident))}</b>.</p>`;
    } else if (item.change === 'updated' && previous !== null) {
      head = `<p>Incident updated: <b>${escapeHtml(incidentTitle(previous))} -&gt; ${escapeHtml(incidentTitle(incident))}</b> (${escapeHtml(item.reason)}).</p>`;
    } else {
      head = `<p>Incident ${escapeHtml(item.change)}: <b>${escapeHtml(incidentTitle(incident))}</b> (${escapeHtml(item.reason)}).</p>`;
    }
    return `${head}\n${incidentEvidenceHtml(item)}`;
  }

  #resolveNoteHtml(item: IncidentChange): string {
    const { incident } = item;
    let head: string;
    if (isGonePath(item)) {
      head = `<p><b>The path no longer exists</b> in the topology (it was ${escapeHtml(incident.transition?.from ?? 'unknown')}): it is not failing, it is gone. Resolving this ticket.</p>`;
    } else if (incident.subject.kind === 'path') {
      head = `<p><b>Path recovered</b> (${escapeHtml(incident.transition?.from ?? 'unknown')} -&gt; UP). Resolving this ticket.</p>`;
    } else {
      head = `<p><b>Incident resolved</b>: ${escapeHtml(item.reason)}. Resolving this ticket.</p>`;
    }
    return `${head}\n${incidentEvidenceHtml(item)}`;
  }

  #newRecord(item: IncidentChange, ticketId: number): TicketRecord {
    const { incident } = item;
    return { subjectKey: incident.subjectKey, incidentId: incident.id, ticketId, openedAtMs: this.#o.nowMs(), lastState: incident.kind, resolvedAtMs: null };
  }
}

/** "Follows ticket 12, closed by a person": links a subject's tickets so the history reads as one. */
function earlierTicketHtml(earlier: TicketRecord): string {
  const how = earlier.closedByPerson === true ? 'which a person closed' : 'resolved';
  const when = earlier.resolvedAtMs === null ? '' : ` on ${escapeHtml(utcTime(earlier.resolvedAtMs))}`;
  return `<p>This subject's previous ticket: <b>#${earlier.ticketId}</b> (${how}${when}).</p>`;
}

/** A path incident resolved because the topology dropped the path, not because it recovered. */
function isGonePath(item: IncidentChange): boolean {
  return item.incident.subject.kind === 'path' && item.incident.transition?.to === 'GONE';
}

function isNotFound(error: unknown): boolean {
  return error instanceof IntegrationError && error.code === 'not-found';
}

/** Freshdesk or network failures that may pass, and store failures (the database may come back). */
function isRetryable(error: unknown): boolean {
  return error instanceof IntegrationError ? error.retryable : true;
}
