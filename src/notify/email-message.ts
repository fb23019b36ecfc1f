/**
 * One mail for one incident change: the subject names the change and the subject with its estimate
 * ("[pathmon] opened: R4→R6: 100 % loss"; a path keeps its old wording, "[pathmon] resolved: R1 > R2
 * UP"), the body the change's reason and the incident's evidence. Plain text and HTML carry the same
 * content; pure code, no transport.
 */
import type { IncidentChange } from '../incidents/incident.js';
import { escapeHtml } from './evidence-format.js';
import { changeHeadline, incidentEvidenceHtml, incidentEvidenceText } from './incident-format.js';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  /** The incident subject the mail is about (`path:<id>`, `link:<keys>`, `group:<id>`). */
  subjectKeys: string[];
}

export function emailMessage(change: IncidentChange, subjectPrefix: string): EmailMessage {
  if (change === undefined || change === null || typeof change !== 'object' || change.incident === undefined) {
    throw new Error(`notify.emailMessage: expected one incident change, got ${String(change)}`);
  }
  const headline = changeHeadline(change);
  const prefix = subjectPrefix.length > 0 ? `[${subjectPrefix}] ` : '';
  const subject = `${prefix}${headline}`.replace(/[\r\n]+/g, ' ');
  const text = [`${headline} (${change.reason})`, '', incidentEvidenceText(change)].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<p>${escapeHtml(headline)} (${escapeHtml(change.reason)})</p>`,
    '<hr>',
    incidentEvidenceHtml(change),
    '</body></html>',
  ].join('\n');
  return { subject, text, html, subjectKeys: [change.incident.subjectKey] };
}
