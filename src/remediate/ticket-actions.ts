/**
 * The Freshdesk actions: a note on the ticket pathmon keeps for the trigger's incident, a new ticket,
 * and the gathering note that carries the device events attached to an incident.
 *
 * A note needs the incident's ticket, which the notification outbox opens moments after the incident:
 * until it exists the run goes back to the queue (DEFER) for a while, then fails saying so. A ticket a
 * person closed is left alone. Creating a ticket is not repeated after an answerless failure (it may
 * exist): the run fails and says so, never opening two.
 */
import { redactError } from '../secrets/redact.js';
import type { FreshdeskClient } from '../notify/freshdesk-client.js';
import type { SqlQueryable } from '../store/sql-client.js';
import { markNoted, ticketOfIncident, unnotedEvents, type ActionRun, type IncidentEvent } from './action-run-queries.js';
import type { Execution } from './execution.js';
import { severityNames } from './remediation-config-schema.js';

export type FreshdeskCalls = Pick<FreshdeskClient, 'createTicket' | 'addNote' | 'getTicket' | 'updateTicket'>;

export interface TicketSettings {
  client: FreshdeskCalls;
  requesterEmail: string;
  source: number;
  privateNotes: boolean;
  /** Added to every ticket remediation opens. */
  tags: string[];
  groupId?: number;
}

/** How long a note waits for its incident's ticket: every 30 s, 40 times (20 minutes). */
export const NOTE_WAIT_MS = 30_000;
export const NOTE_MAX_WAITS = 40;
/** Events per gathering note; the rest are counted in it and carried by the next one. */
const EVENTS_PER_NOTE = 50;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Text as HTML paragraphs (Freshdesk bodies are HTML). */
export function textHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

async function incidentTicket(q: SqlQueryable, run: ActionRun, nowMs: number): Promise<number | Execution> {
  if (run.incidentId === null) return { state: 'FAILURE', output: '', error: 'a note needs an incident: this trigger has none (match an incident, or an event attached to one)' };
  const ticketId = await ticketOfIncident(q, run.incidentId);
  if (ticketId !== null) return ticketId;
  if (run.attempts >= NOTE_MAX_WAITS) {
    return {
      state: 'FAILURE',
      output: '',
      error: `incident ${run.incidentId} has no Freshdesk ticket after ${NOTE_MAX_WAITS} checks ${NOTE_WAIT_MS / 1000} s apart (notifiers.freshdesk off, or a person closed it)`,
    };
  }
  return { state: 'DEFER', notBeforeMs: nowMs + NOTE_WAIT_MS, why: `incident ${run.incidentId} has no ticket yet` };
}

export async function runNoteAction(q: SqlQueryable, fd: TicketSettings, run: ActionRun, text: string, nowMs: number): Promise<Execution> {
  const ticket = await incidentTicket(q, run, nowMs);
  if (typeof ticket !== 'number') return ticket;
  try {
    const note = await fd.client.addNote(ticket, textHtml(text), fd.privateNotes);
    return { state: 'SUCCESS', output: `note ${note.id} added to ticket ${ticket}` };
  } catch (error) {
    return { state: 'FAILURE', output: '', error: `note on ticket ${ticket}: ${redactError(error)}` };
  }
}

export async function runTicketAction(fd: TicketSettings, action: Extract<ActionRun['action'], { type: 'ticket' }>): Promise<Execution> {
  try {
    const ticket = await fd.client.createTicket({
      email: fd.requesterEmail,
      subject: action.subject.replace(/[\r\n]+/g, ' ').slice(0, 255),
      description: textHtml(action.description),
      status: 2,
      priority: action.priority,
      source: fd.source,
      tags: [...new Set(['pathmon', 'pathmon-remediation', ...fd.tags, ...action.tags])],
      ...((action.groupId ?? fd.groupId) !== undefined ? { group_id: action.groupId ?? fd.groupId } : {}),
    });
    return { state: 'SUCCESS', output: `ticket ${ticket.id} opened` };
  } catch (error) {
    return { state: 'FAILURE', output: '', error: `new ticket: ${redactError(error)} (not tried again: it may exist already)` };
  }
}

/** One note with every attached event not yet noted (up to 50; the rest go with the next note). */
export async function runAttachNote(q: SqlQueryable, fd: TicketSettings, run: ActionRun, nowMs: number): Promise<Execution> {
  const { events, more } = await unnotedEvents(q, run.incidentId ?? '', EVENTS_PER_NOTE);
  if (events.length === 0) return { state: 'SUCCESS', output: 'no device events left to note' };
  const ticket = await incidentTicket(q, run, nowMs);
  if (typeof ticket !== 'number') return ticket;
  try {
    const note = await fd.client.addNote(ticket, eventsNoteHtml(events, more), fd.privateNotes);
    await markNoted(
      q,
      events.map((e) => e.id),
      run.id,
    );
    return { state: 'SUCCESS', output: `note ${note.id} on ticket ${ticket} with ${events.length} device event(s)${more > 0 ? `; ${more} more wait for the next note` : ''}` };
  } catch (error) {
    return { state: 'FAILURE', output: '', error: `device events note on ticket ${ticket}: ${redactError(error)}` };
  }
}

export function eventsNoteHtml(events: readonly IncidentEvent[], more: number): string {
  const rows = events.map((e) => {
    const sev = e.severity === null ? '' : ` ${severityNames[e.severity] ?? e.severity}`;
    const where = e.linkLabel ? ` on ${e.linkLabel}` : e.node ? ` on ${e.node}` : '';
    return `<li>${escapeHtml(new Date(e.atMs).toISOString())} <b>${escapeHtml(e.host)}</b>${escapeHtml(sev)} ${escapeHtml(e.errorCode ?? e.program ?? '')}${escapeHtml(where)}: ${escapeHtml(e.message.slice(0, 500))}</li>`;
  });
  return [`<p>Device events on this incident's link or node (${events.length}${more > 0 ? `, ${more} more follow` : ''}):</p>`, `<ul>\n${rows.join('\n')}\n</ul>`].join('\n');
}
