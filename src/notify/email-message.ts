/**
 * One mail for one incident change: the subject names the change and the subject with its estimate
 * ("[pathmon] opened: R4→R6: 100 % loss"; a path keeps its old wording, "[pathmon] resolved: R1 > R2
 * UP"), the body the change's reason and the incident's evidence. A mail sent late (queued while the
 * SMTP server or pathmon was away) says so at the top: since when it was queued and, when the incident
 * has moved on since, what it is now; mail is a log, so a late mail is still sent. Plain text and HTML
 * carry the same content; pure code, no transport.
 */
import type { IncidentChange, IncidentRecord } from '../incidents/incident.js';
import { escapeHtml, utcTime } from './evidence-format.js';
import { changeHeadline, incidentEvidenceHtml, incidentEvidenceText } from './incident-format.js';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  /** The incident subject the mail is about (`path:<id>`, `link:<keys>`, `group:<id>`). */
  subjectKeys: string[];
}

/** When the mail goes out later than the change it reports. */
export interface MailLateness {
  /** When the mail was queued (the change's outbox row). */
  queuedAtMs: number;
  sentAtMs: number;
  /** The incident as it is now, when known. */
  current: IncidentRecord | null;
}

export function emailMessage(change: IncidentChange, subjectPrefix: string, late: MailLateness | null = null): EmailMessage {
  if (change === undefined || change === null || typeof change !== 'object' || change.incident === undefined) {
    throw new Error(`notify.emailMessage: expected one incident change, got ${String(change)}`);
  }
  const headline = changeHeadline(change);
  const prefix = subjectPrefix.length > 0 ? `[${subjectPrefix}] ` : '';
  const subject = `${prefix}${headline}`.replace(/[\r\n]+/g, ' ');
  const lateLine = late === null ? null : lateText(change, late);
  const text = [...(lateLine === null ? [] : [lateLine, '']), `${headline} (${change.reason})`, '', incidentEvidenceText(change)].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    ...(lateLine === null ? [] : [`<p><b>${escapeHtml(lateLine)}</b></p>`]),
    `<p>${escapeHtml(headline)} (${escapeHtml(change.reason)})</p>`,
    '<hr>',
    incidentEvidenceHtml(change),
    '</body></html>',
  ].join('\n');
  return { subject, text, html, subjectKeys: [change.incident.subjectKey] };
}

/** "Late: queued since 2025-01-01 10:00:00 UTC (5 min ago); the incident has since resolved (...)". */
function lateText(change: IncidentChange, late: MailLateness): string {
  const agoS = Math.max(0, Math.round((late.sentAtMs - late.queuedAtMs) / 1000));
  const ago = agoS < 120 ? `${agoS} s` : agoS < 7200 ? `${Math.round(agoS / 60)} min` : `${(agoS / 3600).toFixed(1)} h`;
  const parts = [`Late: queued since ${utcTime(late.queuedAtMs)} (${ago} ago), sent ${utcTime(late.sentAtMs)}`];
  const now = late.current;
  if (now !== null && now.id === change.incident.id && change.change !== 'resolved' && now.state === 'resolved') {
    parts.push(`the incident has since resolved (at ${utcTime(now.resolvedAtMs ?? now.updatedAtMs)})`);
  }
  return `${parts.join('; ')}.`;
}
