/**
 * One mail for one round's transitions: the subject names the worst change and counts the rest
 * ("pathmon: R1 > R2 > R4 DOWN (+2 more)"), the body lists every change first, then each one's
 * evidence. Plain text and HTML carry the same content; pure code, no transport.
 */
import { stateSeverity } from '../monitor/path-state.js';
import { escapeHtml, evidenceHtml, evidenceText, pathLabel, transitionHeadline } from './evidence-format.js';
import type { PathTransition } from './notifier.js';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  pathIds: string[];
}

/** Worst new state first, so the subject names what most needs attention; ties keep their order. */
export function worstFirst(transitions: PathTransition[]): PathTransition[] {
  return transitions
    .map((t, i) => ({ t, i }))
    .sort((a, b) => stateSeverity[b.t.transition.to] - stateSeverity[a.t.transition.to] || a.i - b.i)
    .map(({ t }) => t);
}

export function emailMessage(transitions: PathTransition[], subjectPrefix: string): EmailMessage {
  if (transitions.length === 0) throw new Error('notify.emailMessage: expected at least one transition, got none');
  const ordered = worstFirst(transitions);
  const first = ordered[0]!;
  const more = ordered.length > 1 ? ` (+${ordered.length - 1} more)` : '';
  const subject = `${subjectPrefix}: ${pathLabel(first.path)} ${first.transition.to}${more}`.replace(/[\r\n]+/g, ' ');
  const summary = ordered.map((t) => `- ${transitionHeadline(t)}: ${t.transition.reason}`);
  const text = [
    `${ordered.length} path state change${ordered.length === 1 ? '' : 's'}:`,
    ...summary,
    '',
    ...ordered.flatMap((t) => ['='.repeat(72), evidenceText(t), '']),
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<p>${ordered.length} path state change${ordered.length === 1 ? '' : 's'}:</p>`,
    `<ul>${ordered.map((t) => `<li>${escapeHtml(transitionHeadline(t))}: ${escapeHtml(t.transition.reason)}</li>`).join('')}</ul>`,
    ...ordered.map((t) => `<hr>\n${evidenceHtml(t)}`),
    '</body></html>',
  ].join('\n');
  return { subject, text, html, pathIds: ordered.map((t) => t.path.id) };
}
