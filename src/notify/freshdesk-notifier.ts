/**
 * Freshdesk tickets for incidents: one open ticket per incident subject (a directed link, both
 * directions of a link, a link group, or a path no link incident explains), from the incident's opening
 * until it resolves, with a note for every change in between.
 *
 * - opened (or updated) and no open ticket: create one (status 2, priority from the kind: down →
 *   priority.DOWN, loss/delay → priority.DEGRADED; tags naming pathmon, the kind and the subject),
 *   remember it in the store;
 * - opened or updated with an open ticket: a note; the priority is raised when the kind got worse;
 * - resolved: a note, then status 4 (resolved), and the store marks the ticket resolved.
 *
 * Never a duplicate: the store is asked first (so a restarted daemon finds the ticket it opened), and
 * before every create Freshdesk itself is asked for an open ticket carrying the subject's own tag
 * (`pathmon-<digest>`; a path keeps the tag its tickets had before incidents, so tickets opened before
 * the upgrade are found). That second look covers what the store cannot know: a create that timed out
 * or got a 5xx after Freshdesk had stored the ticket, or a crash between the create and the store
 * write. After such an ambiguous failure the create is not repeated blindly: the look comes first.
 *
 * A failure never throws out of notify(): retryable ones queue the work (per subject, in order, each
 * step done only once) for retryQueued(); others are recorded as failed. Every outcome is a
 * NotificationRecord and a log line, both scrubbed of secrets.
 */
import { incidentKindSeverity, type IncidentChange, type IncidentKind } from '../incidents/incident.js';
import type { TicketRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { redactError, redactSecrets } from '../secrets/redact.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import { escapeHtml } from './evidence-format.js';
import { incidentEvidenceHtml, incidentTitle, pathStateOf, subjectTag } from './incident-format.js';
import type { FreshdeskClient, FreshdeskTicket } from './freshdesk-client.js';
import { IntegrationError } from './integration-error.js';
import type { Notifier, NotifierStatus } from './notifier.js';
import { stderrNotifyLog, type NotifyLog } from './notify-log.js';

/** The part of the store the notifiers use. */
export type NotifyStore = Pick<Store, 'openTicket' | 'saveTicket' | 'addNotification'>;

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
  /** Waits between retryQueued() attempts of one piece of work (default 30 s doubling to 10 min). */
  queueBackoff?: BackoffOptions;
  /** How often a create that failed ambiguously is looked up and tried again within one call. */
  maxCreateAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** How far back Freshdesk is searched for a subject's open ticket (default 30 days). */
  lookbackMs?: number;
  /** Queued pieces of work kept per incident subject; beyond, the oldest is dropped and recorded as failed. */
  maxQueuedPerPath?: number;
}

/** What has already been done for one incident change, so a retry repeats no step. */
interface Progress {
  createdTicketId: number | null;
  noted: boolean;
  updated: boolean;
}

interface QueuedWork {
  item: IncidentChange;
  progress: Progress;
  attempts: number;
  nextAttemptAtMs: number;
}

export { pathTag, subjectTag } from './incident-format.js';

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FreshdeskNotifier implements Notifier {
  readonly channel = 'freshdesk' as const;
  readonly #o: FreshdeskNotifierOptions & Required<Pick<FreshdeskNotifierOptions, 'nowMs' | 'log' | 'queueBackoff' | 'maxCreateAttempts' | 'sleep' | 'random' | 'lookbackMs' | 'maxQueuedPerPath'>>;
  readonly #queue = new Map<string, QueuedWork[]>();
  /** Serialises notify/retryQueued/close so two calls never work on one subject at once. */
  #chain: Promise<void> = Promise.resolve();
  #status: NotifierStatus = { channel: 'freshdesk', queued: 0, lastError: null, lastErrorAtMs: null, lastSentAtMs: null };

  constructor(options: FreshdeskNotifierOptions) {
    this.#o = {
      nowMs: Date.now,
      log: stderrNotifyLog,
      queueBackoff: { baseMs: 30_000, capMs: 600_000 },
      maxCreateAttempts: 3,
      sleep: realSleep,
      random: Math.random,
      lookbackMs: 30 * 24 * 3600 * 1000,
      maxQueuedPerPath: 20,
      ...options,
    };
  }

  notify(changes: IncidentChange[]): Promise<void> {
    return this.#serialised(async () => {
      for (const item of changes) {
        const waiting = this.#queue.get(item.incident.subjectKey);
        if (waiting !== undefined) {
          // Order matters per subject (a resolve must follow its create): queue behind the earlier work.
          this.#enqueue(item, { createdTicketId: null, noted: false, updated: false }, 'earlier work for this subject is still queued', false);
          await this.#record(item, 'queued', 'waiting behind earlier queued Freshdesk work for this subject');
          continue;
        }
        const progress: Progress = { createdTicketId: null, noted: false, updated: false };
        try {
          const detail = await this.#handle(item, progress);
          if (detail !== null) await this.#sent(item, detail);
        } catch (error) {
          await this.#failed(item, progress, error);
        }
      }
    });
  }

  retryQueued(): Promise<void> {
    return this.#serialised(async () => {
      const now = this.#o.nowMs();
      let stillFailing = 0;
      let lastError = '';
      for (const [subjectKey, entries] of [...this.#queue]) {
        while (entries.length > 0) {
          const work = entries[0]!;
          if (work.nextAttemptAtMs > now) break;
          try {
            const detail = await this.#handle(work.item, work.progress);
            entries.shift();
            const after = work.attempts > 0 ? ` (after ${work.attempts} failed attempt${work.attempts === 1 ? '' : 's'})` : ' (after earlier queued work)';
            if (detail !== null) await this.#sent(work.item, `${detail}${after}`);
          } catch (error) {
            const message = redactError(error);
            if (isRetryable(error)) {
              work.attempts += 1;
              work.nextAttemptAtMs = now + backoffDelayMs(work.attempts - 1, this.#o.queueBackoff, this.#o.random);
              stillFailing += 1;
              lastError = message;
              this.#noteError(message);
              break;
            }
            entries.shift();
            await this.#giveUp(work.item, message);
          }
        }
        if (entries.length === 0) this.#queue.delete(subjectKey);
      }
      this.#status.queued = this.#queuedCount();
      if (stillFailing > 0) {
        this.#o.log('warn', `freshdesk: ${this.#status.queued} operation(s) still queued; last error: ${lastError}`);
      }
    });
  }

  close(): Promise<void> {
    return this.#serialised(async () => {
      const queued = this.#queuedCount();
      if (queued > 0) {
        this.#o.log('warn', `freshdesk: closing with ${queued} operation(s) still queued; they are not kept across restarts (open tickets are)`);
      }
    });
  }

  status(): NotifierStatus {
    return { ...this.#status, queued: this.#queuedCount() };
  }

  /** Carries out one incident change; returns what was done for the record, or null when nothing was due. */
  async #handle(item: IncidentChange, progress: Progress): Promise<string | null> {
    const { incident } = item;
    let open = await this.#o.store.openTicket(incident.subjectKey);
    if (item.change !== 'resolved') {
      if (progress.createdTicketId !== null && open?.ticketId !== progress.createdTicketId) {
        // Created earlier in this change's life, but the store write failed: write it now.
        await this.#o.store.saveTicket(this.#newRecord(item, progress.createdTicketId));
        return `ticket ${progress.createdTicketId} opened`;
      }
      if (open !== null) {
        try {
          return await this.#noteChange(open, item, progress);
        } catch (error) {
          if (!isNotFound(error)) throw error;
          // Deleted in Freshdesk by someone: forget it and open a new one below.
          await this.#o.store.saveTicket({ ...open, resolvedAtMs: this.#o.nowMs() });
          this.#o.log('warn', `freshdesk: ticket ${open.ticketId} of ${incidentTitle(incident)} no longer exists in Freshdesk; opening a new one`);
          open = null;
          progress.noted = false;
          progress.updated = false;
        }
      }
      return this.#openTicket(item, progress);
    }
    if (open === null) return null;
    return this.#resolve(open, item, progress);
  }

  async #openTicket(item: IncidentChange, progress: Progress): Promise<string> {
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
        const created = await this.#o.client.createTicket(this.#ticketInput(item));
        progress.createdTicketId = created.id;
        await this.#o.store.saveTicket(this.#newRecord(item, created.id));
        return `ticket ${created.id} opened`;
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
    const open = tickets.filter(
      (t) => Array.isArray(t.tags) && t.tags.includes(tag) && t.status !== freshdeskStatus.resolved && t.status !== freshdeskStatus.closed,
    );
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

  #ticketInput(item: IncidentChange) {
    const { incident } = item;
    const { subject } = incident;
    const tag = subjectTag(incident);
    const group = subject.kind === 'path' ? [subject.group.slice(0, 32)] : [];
    const tags = [...new Set(['pathmon', ...group, incident.kind, tag, ...this.#o.tags])].filter((t) => t.length > 0);
    const title = subject.kind === 'path' ? `pathmon: ${subject.label} ${pathStateOf(incident)} (group ${subject.group})` : incidentTitle(incident);
    const what = subject.kind === 'path' ? `path <b>${escapeHtml(subject.label)}</b> as <b>${escapeHtml(pathStateOf(incident))}</b>`
      : `<b>${escapeHtml(incidentTitle(incident))}</b> (${subject.kind === 'group' ? 'a link group' : subject.direction === 'both' ? 'both directions' : 'one direction'})`;
    return {
      email: this.#o.requesterEmail,
      subject: title.replace(/[\r\n]+/g, ' ').slice(0, 255),
      description: [
        `<p>pathmon measured ${what}.</p>`,
        incidentEvidenceHtml(item),
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
      const from = incident.transition?.from ?? (previous !== null ? pathStateOf(previous) : open?.lastState ?? 'new');
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

  /** Queues work; `failed` work waits one backoff step, work queued behind others waits for them. */
  #enqueue(item: IncidentChange, progress: Progress, reason: string, failed: boolean): void {
    const key = item.incident.subjectKey;
    const entries = this.#queue.get(key) ?? [];
    const waitMs = failed ? backoffDelayMs(0, this.#o.queueBackoff, this.#o.random) : 0;
    entries.push({ item, progress, attempts: failed ? 1 : 0, nextAttemptAtMs: this.#o.nowMs() + waitMs });
    while (entries.length > this.#o.maxQueuedPerPath) {
      const dropped = entries.shift()!;
      void this.#giveUp(dropped.item, `dropped: more than ${this.#o.maxQueuedPerPath} operations queued for this subject (${reason})`);
    }
    this.#queue.set(key, entries);
    this.#status.queued = this.#queuedCount();
  }

  async #sent(item: IncidentChange, detail: string): Promise<void> {
    this.#status.lastSentAtMs = this.#o.nowMs();
    this.#o.log('info', `freshdesk: ${item.change} ${incidentTitle(item.incident)}: ${detail}`);
    await this.#record(item, 'sent', detail);
  }

  async #failed(item: IncidentChange, progress: Progress, error: unknown): Promise<void> {
    const message = redactError(error);
    this.#noteError(message);
    if (isRetryable(error)) {
      this.#enqueue(item, progress, message, true);
      this.#o.log('warn', `freshdesk: ${item.change} ${incidentTitle(item.incident)} queued for retry: ${message}`);
      await this.#record(item, 'queued', message);
    } else {
      await this.#giveUp(item, message);
    }
  }

  async #giveUp(item: IncidentChange, message: string): Promise<void> {
    this.#noteError(message);
    this.#o.log('error', `freshdesk: ${item.change} ${incidentTitle(item.incident)} failed, not retried: ${message}`);
    await this.#record(item, 'failed', message);
  }

  #noteError(message: string): void {
    this.#status.lastError = message;
    this.#status.lastErrorAtMs = this.#o.nowMs();
  }

  async #record(item: IncidentChange, status: 'sent' | 'queued' | 'failed', detail: string): Promise<void> {
    try {
      await this.#o.store.addNotification({ atMs: this.#o.nowMs(), channel: 'freshdesk', subjectKeys: [item.incident.subjectKey], status, detail: redactSecrets(detail) });
    } catch (error) {
      this.#o.log('warn', `freshdesk: could not record the notification (${status}): ${redactError(error)}`);
    }
  }

  #queuedCount(): number {
    let n = 0;
    for (const entries of this.#queue.values()) n += entries.length;
    return n;
  }

  #serialised(work: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(work, work);
    // Never throws (the contract), but a bug must not poison the chain: log it and carry on.
    this.#chain = next.catch((error: unknown) => this.#o.log('error', `freshdesk: internal error: ${redactError(error)}`));
    return this.#chain;
  }
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
