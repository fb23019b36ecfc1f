/**
 * The link isolation workflow, a persisted state machine (one isolations row per rule and incident):
 *
 *   isolating ──isolate command SUCCESS──▶ ticketing ──ticket opened──▶ waiting ──ticket resolved (4/5)──▶
 *   restoring ──restore command SUCCESS──▶ verifying ──probes say healthy / deadline──▶ closed
 *   (a command that fails or times out ──▶ failed, said on the ticket when there is one)
 *
 * The commands are action runs in the pool, so they are bounded, stored and never run twice: a restart
 * that interrupts one finishes it as FAILURE and the isolation as failed, for a person to look at. The
 * data-center ticket is read every `pollIntervalMs`; after the restore the probes decide (LinkHealthy),
 * not the ticket: healthy within `verifyTimeoutMs` closes the ticket with a note, otherwise the ticket
 * is reopened saying the link still looks bad. Every move is appended to the row's history.
 *
 * It starts on a link incident (begin) or on a rule's `threshold` of device events on one link
 * (beginOnLink, inside the transaction that counted the last of them); the row then records the
 * triggering event as `events@ID` where an incident id would be.
 *
 * All state is in the row, so a restarted pathmon carries on from where it was: the timer steps every
 * isolation whose next look is due, and a finished command steps its isolation at once. In a fleet
 * (`leads` given) only the leader steps, so a new leader carries on with the isolations the last left.
 */
import type { IncidentRecord } from '../incidents/incident.js';
import { IntegrationError } from '../notify/integration-error.js';
import { redactError } from '../secrets/redact.js';
import type { SqlClient, SqlQueryable } from '../store/sql-client.js';
import { insertRuns, runById, type ActionRun, type RenderedAction } from './action-run-queries.js';
import { dueIsolations, insertIsolation, isolationById, moveIsolation, postponeIsolation, type IsolationRecord } from './isolation-queries.js';
import type { LinkHealthy } from './link-health.js';
import type { CommandSpec, IsolateConfig } from './remediation-config-schema.js';
import { textHtml, type TicketSettings } from './ticket-actions.js';
import { renderTemplate, type TriggerFields } from './trigger-template.js';

export interface IsolationWorkflowOptions {
  client: SqlClient;
  freshdesk: TicketSettings | null;
  linkHealthy: LinkHealthy;
  /** Wakes the pool after a command run is queued. */
  kickPool: () => void;
  nowMs?: () => number;
  log?: (level: 'info' | 'warn', line: string) => void;
  /** How often a verifying isolation asks the probes (default 5 s). */
  verifyCheckMs?: number;
  /** How often due isolations are looked for (default 1 s). */
  tickMs?: number;
  /** Wait after a Freshdesk or store failure before the step is tried again (default 60 s, never more than the poll interval). */
  retryMs?: number;
  /** Fleet mode: step isolations only while this returns true. Absent: always. */
  leads?: () => boolean;
}

/** The link a threshold of device events isolates, and what set it off. */
export interface LinkTrigger {
  subjectKey: string;
  linkKeys: string[];
  label: string;
  /** Stands for the incident id in the isolation's row: `events@<id of the event that reached the threshold>`. */
  triggerId: string;
  eventId: number;
}

const resolvedStatuses = new Set([4, 5]);

export class IsolationWorkflow {
  readonly #o: Required<IsolationWorkflowOptions>;
  readonly #busy = new Set<number>();
  readonly #again = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #closed = false;

  constructor(options: IsolationWorkflowOptions) {
    this.#o = { nowMs: Date.now, log: () => undefined, verifyCheckMs: 5_000, tickMs: 1_000, retryMs: 60_000, leads: () => true, ...options };
  }

  start(): void {
    this.#timer = setInterval(() => void this.tick(), this.#o.tickMs);
    this.#timer.unref();
    void this.tick();
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  /**
   * Starts isolating the incident's link: the isolation row and its isolate command run, in one
   * transaction. Null when this rule already isolated this incident or the link is being isolated.
   */
  async begin(rule: string, spec: IsolateConfig, incident: IncidentRecord, fields: TriggerFields): Promise<number | null> {
    if (incident.subject.kind !== 'link') return null;
    const { subject } = incident;
    const atMs = this.#o.nowMs();
    const id = await this.#o.client.transaction(async (tx) => {
      const created = await insertIsolation(tx, { rule, incidentId: incident.id, subjectKey: incident.subjectKey, label: subject.label, linkKeys: subject.linkKeys, fields, spec, atMs });
      if (created === null) return null;
      const [runId] = await insertRuns(tx, [{ rule, action: commandAction(spec.isolate, fields), fields, eventId: null, incidentId: incident.id, isolationId: created, atMs }]);
      await moveIsolation(tx, created, 'isolating', {
        state: 'isolating',
        atMs,
        isolateRunId: runId!,
        nextAtMs: atMs + spec.isolate.timeoutMs + 60_000,
        note: `isolate command queued as run ${runId}`,
      });
      return created;
    });
    if (id !== null) {
      this.#o.log('info', `remediation: isolating ${subject.label} for incident ${incident.id} (rule ${rule}, isolation ${id})`);
      this.#o.kickPool();
    }
    return id;
  }

  /**
   * Starts isolating a link whose device events reached a rule's threshold: the isolation row and its
   * isolate command run, in the caller's transaction (the one that counted the event), so the count
   * and the isolation commit together. Null when the link is being isolated already.
   */
  async beginOnLink(tx: SqlQueryable, rule: string, spec: IsolateConfig, link: LinkTrigger, fields: TriggerFields): Promise<number | null> {
    const atMs = this.#o.nowMs();
    const created = await insertIsolation(tx, { rule, incidentId: link.triggerId, subjectKey: link.subjectKey, label: link.label, linkKeys: link.linkKeys, fields, spec, atMs });
    if (created === null) return null;
    const [runId] = await insertRuns(tx, [{ rule, action: commandAction(spec.isolate, fields), fields, eventId: link.eventId, incidentId: null, isolationId: created, atMs }]);
    await moveIsolation(tx, created, 'isolating', {
      state: 'isolating',
      atMs,
      isolateRunId: runId!,
      nextAtMs: atMs + spec.isolate.timeoutMs + 60_000,
      note: `${fields.reason}: isolate command queued as run ${runId}`,
    });
    this.#o.log('info', `remediation: isolating ${link.label}: ${fields.reason} (rule ${rule}, isolation ${created})`);
    return created;
  }

  /** The pool finished a run: an isolation waiting on it moves on now. */
  onRunFinished(run: ActionRun): void {
    if (run.isolationId !== null) void this.step(run.isolationId);
  }

  async tick(): Promise<void> {
    if (this.#ticking || this.#closed || !this.#o.leads()) return;
    this.#ticking = true;
    try {
      for (const isolation of await dueIsolations(this.#o.client, this.#o.nowMs())) await this.step(isolation.id);
    } catch (error) {
      this.#o.log('warn', `remediation: reading isolations: ${redactError(error)}`);
    } finally {
      this.#ticking = false;
    }
  }

  /** Takes every step the isolation can take now; one stepper per isolation at a time. */
  async step(id: number): Promise<void> {
    if (!this.#o.leads()) return;
    if (this.#busy.has(id)) {
      this.#again.add(id);
      return;
    }
    this.#busy.add(id);
    try {
      do {
        this.#again.delete(id);
        for (let moves = 0; moves < 10; moves += 1) {
          const isolation = await isolationById(this.#o.client, id);
          if (isolation === null || !(await this.#advance(isolation))) break;
        }
      } while (this.#again.has(id));
    } catch (error) {
      this.#o.log('warn', `remediation: isolation ${id}: ${redactError(error)}`);
    } finally {
      this.#busy.delete(id);
    }
  }

  /** One step; true when the state changed and another step may follow at once. */
  async #advance(i: IsolationRecord): Promise<boolean> {
    const now = this.#o.nowMs();
    switch (i.state) {
      case 'isolating':
        return this.#afterCommand(i, i.isolateRunId, 'isolate', async () =>
          moveIsolation(this.#o.client, i.id, 'isolating', { state: 'ticketing', atMs: now, nextAtMs: now, note: 'isolate command succeeded' }),
        );
      case 'ticketing':
        return this.#openTicket(i, now);
      case 'waiting':
        return this.#pollTicket(i, now);
      case 'restoring':
        return this.#afterCommand(i, i.restoreRunId, 'restore', async () =>
          moveIsolation(this.#o.client, i.id, 'restoring', {
            state: 'verifying',
            atMs: now,
            nextAtMs: now,
            verifyDeadlineMs: now + i.spec.verifyTimeoutMs,
            note: `restore command succeeded; waiting up to ${Math.round(i.spec.verifyTimeoutMs / 1000)} s for the probes to show ${i.label} healthy`,
          }),
        );
      case 'verifying':
        return this.#verify(i, now);
      default:
        return false;
    }
  }

  async #afterCommand(i: IsolationRecord, runId: number | null, what: 'isolate' | 'restore', onSuccess: () => Promise<boolean>): Promise<boolean> {
    const run = runId === null ? null : await runById(this.#o.client, runId);
    if (run === null || run.state === 'QUEUED' || run.state === 'RUNNING') {
      // The finished run steps this isolation; the timer is only a backstop.
      await postponeIsolation(this.#o.client, i.id, i.state, this.#o.nowMs() + 60_000, this.#o.nowMs());
      return false;
    }
    if (run.state === 'SUCCESS') return onSuccess();
    const why = `${what} command ${run.state} (run ${run.id}): ${run.error ?? ''}`.trim();
    const moved = await moveIsolation(this.#o.client, i.id, i.state, { state: 'failed', atMs: this.#o.nowMs(), outcome: why, note: why });
    if (moved) {
      this.#o.log('warn', `remediation: isolation ${i.id} of ${i.label} failed: ${why}`);
      if (i.ticketId !== null && this.#o.freshdesk !== null) {
        await this.#noteTicket(
          i.ticketId,
          `pathmon: the ${what} command for ${i.label} did not succeed (${run.state}): ${run.error ?? ''}\n\n${what === 'restore' ? 'The link is still isolated; a person needs to restore it.' : ''}\n\nOutput:\n${(run.output ?? '').slice(0, 4000)}`,
          what === 'restore' ? 2 : undefined,
        );
      }
    }
    return false;
  }

  async #openTicket(i: IsolationRecord, now: number): Promise<boolean> {
    const fd = this.#o.freshdesk;
    if (fd === null) {
      return moveIsolation(this.#o.client, i.id, 'ticketing', {
        state: 'failed',
        atMs: now,
        outcome: 'no notifiers.freshdesk to ticket the data-center team',
        note: 'cannot open a ticket: notifiers.freshdesk is not set; the link stays isolated',
      });
    }
    const tag = `pathmon-isolation-${i.id}`;
    try {
      const existing = await this.#findTicket(tag, i.createdAtMs);
      const ticketId = existing ?? (await this.#createTicket(i, tag, fd)).id;
      return moveIsolation(this.#o.client, i.id, 'ticketing', {
        state: 'waiting',
        atMs: now,
        ticketId,
        nextAtMs: now + i.spec.pollIntervalMs,
        note: `ticket ${ticketId} ${existing === null ? 'opened' : 'found (opened by an earlier attempt)'} for the data-center team; polled every ${Math.round(i.spec.pollIntervalMs / 1000)} s`,
      });
    } catch (error) {
      this.#o.log('warn', `remediation: isolation ${i.id}: opening the data-center ticket: ${redactError(error)} (trying again)`);
      await postponeIsolation(this.#o.client, i.id, 'ticketing', now + this.#retryMs(i), now);
      return false;
    }
  }

  async #createTicket(i: IsolationRecord, tag: string, fd: TicketSettings) {
    const isolateRun = i.isolateRunId === null ? null : await runById(this.#o.client, i.isolateRunId);
    const description = [
      renderTemplate(i.spec.ticket.description, i.fields),
      i.fields.trigger === 'event'
        ? `pathmon isolated ${i.label}: ${i.fields.reason} (the last: ${i.fields.summary})`
        : `pathmon isolated ${i.label} for incident ${i.incidentId}: ${i.fields.incidentSummary}`,
      `Isolate command: ${isolateRun === null ? '?' : JSON.stringify(isolateRun.action.type === 'command' ? isolateRun.action.argv : [])} (run ${i.isolateRunId})\n${(isolateRun?.output ?? '').slice(0, 4000)}`,
      'When this ticket is resolved, pathmon runs the restore command, checks the link with its probes and notes the outcome here.',
    ].join('\n\n');
    return fd.client.createTicket({
      email: fd.requesterEmail,
      subject: renderTemplate(i.spec.ticket.subject, i.fields)
        .replace(/[\r\n]+/g, ' ')
        .slice(0, 255),
      description: textHtml(description),
      status: 2,
      priority: i.spec.ticket.priority,
      source: fd.source,
      tags: [...new Set(['pathmon', 'pathmon-isolation', tag, ...fd.tags, ...i.spec.ticket.tags])],
      ...((i.spec.ticket.groupId ?? fd.groupId) !== undefined ? { group_id: i.spec.ticket.groupId ?? fd.groupId } : {}),
    });
  }

  /** A ticket an earlier, answerless create may have made (found by the isolation's own tag). */
  async #findTicket(tag: string, sinceMs: number): Promise<number | null> {
    const fd = this.#o.freshdesk;
    const client = fd?.client as { ticketsOf?: (email: string, sinceMs: number, maxPages?: number) => Promise<{ id: number; tags: string[] }[]> } | undefined;
    if (fd === null || client?.ticketsOf === undefined) return null;
    try {
      const tickets = await client.ticketsOf(fd.requesterEmail, sinceMs - 60_000, 2);
      return tickets.find((t) => Array.isArray(t.tags) && t.tags.includes(tag))?.id ?? null;
    } catch {
      // No contact for the requester yet (nothing was ever created for it), or the list failed: create.
      return null;
    }
  }

  async #pollTicket(i: IsolationRecord, now: number): Promise<boolean> {
    const fd = this.#o.freshdesk;
    if (fd === null || i.ticketId === null) return false;
    let why: string;
    try {
      const ticket = await fd.client.getTicket(i.ticketId);
      if (!resolvedStatuses.has(ticket.status)) {
        await postponeIsolation(this.#o.client, i.id, 'waiting', now + i.spec.pollIntervalMs, now);
        return false;
      }
      why = `ticket ${i.ticketId} ${ticket.status === 5 ? 'closed' : 'resolved'} by the data-center team`;
    } catch (error) {
      if (!(error instanceof IntegrationError && error.code === 'not-found')) {
        this.#o.log('warn', `remediation: isolation ${i.id}: reading ticket ${i.ticketId}: ${redactError(error)} (trying again)`);
        await postponeIsolation(this.#o.client, i.id, 'waiting', now + this.#retryMs(i), now);
        return false;
      }
      why = `ticket ${i.ticketId} was deleted in Freshdesk`;
    }
    const restore = commandAction(i.spec.restore, i.fields);
    await this.#o.client
      .transaction(async (tx) => {
        const [runId] = await insertRuns(tx, [{ rule: i.rule, action: restore, fields: i.fields, eventId: null, incidentId: i.incidentId, isolationId: i.id, atMs: now }]);
        const moved = await moveIsolation(tx, i.id, 'waiting', {
          state: 'restoring',
          atMs: now,
          restoreRunId: runId!,
          nextAtMs: now + i.spec.restore.timeoutMs + 60_000,
          note: `${why}: restore command queued as run ${runId}`,
        });
        // Lost the race to another stepper: its restore run stands, this one must not exist.
        if (!moved) throw new LostRace();
      })
      .catch((error: unknown) => {
        if (!(error instanceof LostRace)) throw error;
      });
    this.#o.kickPool();
    return false;
  }

  async #verify(i: IsolationRecord, now: number): Promise<boolean> {
    let healthy: boolean;
    try {
      healthy = await this.#o.linkHealthy(i.linkKeys);
    } catch (error) {
      this.#o.log('warn', `remediation: isolation ${i.id}: asking the probes about ${i.label}: ${redactError(error)}`);
      healthy = false;
    }
    const deadline = i.verifyDeadlineMs ?? now;
    if (!healthy && now < deadline) {
      await postponeIsolation(this.#o.client, i.id, 'verifying', Math.min(now + this.#o.verifyCheckMs, deadline), now);
      return false;
    }
    const outcome = healthy ? 'healthy' : 'unhealthy';
    const text = healthy
      ? `pathmon: the restore command ran and the probes show ${i.label} healthy again. Closing this ticket.`
      : `pathmon: the restore command ran, but within ${Math.round(i.spec.verifyTimeoutMs / 1000)} s the probes did not show ${i.label} healthy (${i.fields.trigger === 'event' ? 'isolated on device events' : `incident ${i.incidentId}`}). Reopening this ticket for a second look.`;
    if (i.ticketId !== null && this.#o.freshdesk !== null) {
      const noted = await this.#noteTicket(i.ticketId, text, healthy ? 5 : 2);
      if (!noted) {
        await postponeIsolation(this.#o.client, i.id, 'verifying', now + this.#retryMs(i), now);
        return false;
      }
    }
    this.#o.log(healthy ? 'info' : 'warn', `remediation: isolation ${i.id} of ${i.label} closed: link ${outcome} after the restore`);
    return moveIsolation(this.#o.client, i.id, 'verifying', { state: 'closed', atMs: now, outcome, note: text });
  }

  /** A note, then optionally a status; false when Freshdesk failed (the caller tries again later). */
  async #noteTicket(ticketId: number, text: string, status?: number): Promise<boolean> {
    const fd = this.#o.freshdesk!;
    try {
      await fd.client.addNote(ticketId, textHtml(text), fd.privateNotes);
      if (status !== undefined) await fd.client.updateTicket(ticketId, { status });
      return true;
    } catch (error) {
      if (error instanceof IntegrationError && error.code === 'not-found') return true;
      this.#o.log('warn', `remediation: noting ticket ${ticketId}: ${redactError(error)}`);
      return false;
    }
  }

  #retryMs(i: IsolationRecord): number {
    return Math.min(this.#o.retryMs, i.spec.pollIntervalMs);
  }
}

class LostRace extends Error {}

export function commandAction(spec: CommandSpec, fields: TriggerFields): RenderedAction {
  return {
    type: 'command',
    argv: spec.argv.map((arg) => renderTemplate(arg, fields)),
    timeoutMs: spec.timeoutMs,
    env: Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, renderTemplate(v, fields)])),
  };
}
