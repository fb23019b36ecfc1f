/**
 * What tickets and mails say about an incident, in one place so both channels name it the same way:
 * a title naming the subject and direction with the estimate ("R4→R6: 100 % loss", "R2↔R4: +10.0 ms
 * one-way delay", "R4→R6: 100 % loss (data plane down, control plane up)"; a path keeps the old
 * wording, "R1 > R2 > R4 DOWN"), the Freshdesk tag that finds the subject's ticket, and the evidence as
 * plain text and HTML: the estimate, confidence and control-plane label, the per-round estimates that
 * decided it, the evidence routes, the user paths it explains and, for a path incident, the path's own
 * transition evidence (evidence-format.ts).
 */
import { createHash } from 'node:crypto';
import { formatMs, formatPct, linkSummary, type IncidentChange, type IncidentRecord } from '../incidents/index.js';
import { escapeHtml, evidenceHtml, evidenceText, htmlTable, textTable, utcTime, type PathTransition } from './evidence-format.js';

/** The tag that finds a path's ticket in Freshdesk: short (Freshdesk caps tag length) and stable. */
export function pathTag(pathId: string): string {
  return digestTag(pathId);
}

function digestTag(text: string): string {
  return `pathmon-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

/**
 * The stable Freshdesk tag of an incident's subject. A path keeps `pathTag(pathId)`, the tag its
 * tickets carried before incidents existed, so a ticket opened before the upgrade is still found.
 */
export function subjectTag(incident: Pick<IncidentRecord, 'subject' | 'subjectKey'>): string {
  return incident.subject.kind === 'path' ? pathTag(incident.subject.pathId) : digestTag(incident.subjectKey);
}

const pct = formatPct;

/** "100 % loss", "20 % loss, +3.0 ms", "+10.0 ms one-way delay": the title without the subject. */
export function incidentEstimate(incident: IncidentRecord): string {
  if (incident.kind === 'delay') return `+${formatMs(incident.addedDelayMs ?? 0)} ms one-way delay`;
  const delay = incident.kind === 'loss' && incident.addedDelayMs !== null ? `, +${formatMs(incident.addedDelayMs)} ms` : '';
  return `${pct(incident.lossPct ?? (incident.kind === 'down' ? 100 : 0))} % loss${delay}`;
}

/** The control-plane label of a link that drops everything, or null when there is nothing to say. */
export function controlPlaneLabel(incident: IncidentRecord): string | null {
  if (incident.controlPlaneUp === true) return 'data plane down, control plane up';
  if (incident.controlPlaneUp === false) return 'down, withdrawn by the control plane';
  return null;
}

/** A path incident's state in the old path wording: its transition's, else DOWN/DEGRADED from the kind. */
export function pathStateOf(incident: IncidentRecord): string {
  return incident.transition?.to ?? (incident.kind === 'down' ? 'DOWN' : 'DEGRADED');
}

/**
 * "R4→R6: 100 % loss (data plane down, control plane up)", the incidents module's own wording
 * (linkSummary) without the round count, so a ticket's subject does not change every round; a path:
 * "R1 > R2 > R4 DOWN".
 */
export function incidentTitle(incident: IncidentRecord): string {
  if (incident.subject.kind === 'path') return `${incident.subject.label} ${pathStateOf(incident)}`;
  return linkSummary({
    label: incident.subject.label,
    kind: incident.kind,
    lossPct: incident.lossPct,
    addedDelayMs: incident.addedDelayMs,
    downRounds: 0,
    controlPlaneUp: incident.controlPlaneUp,
  });
}

/** The path transition a path incident carries, shaped for evidence-format.ts; null for links and groups. */
export function pathTransitionOf(incident: IncidentRecord): PathTransition | null {
  const { subject } = incident;
  if (subject.kind !== 'path' || incident.transition === undefined) return null;
  return { path: { id: subject.pathId, group: subject.group, label: subject.label }, transition: incident.transition };
}

function subjectText(incident: IncidentRecord): string {
  const { subject } = incident;
  switch (subject.kind) {
    case 'link':
      return `link ${subject.label} (${subject.direction === 'both' ? 'both directions' : 'one direction'}: ${subject.linkKeys.join(', ')})`;
    case 'group':
      return `link group ${subject.label} (${subject.groupId}: ${subject.linkKeys.join(', ')}; the plan cannot tell these links apart)`;
    case 'path':
      return `path ${subject.label} (${subject.pathId}, group ${subject.group})`;
  }
}

function figureRows(incident: IncidentRecord): string[][] {
  const rows: string[][] = [
    ['subject', subjectText(incident)],
    ['kind', incident.kind],
    ['estimated loss', incident.lossPct === null ? '-' : `${pct(incident.lossPct)} %`],
    ['added one-way delay', incident.addedDelayMs === null ? '-' : `${formatMs(incident.addedDelayMs)} ms`],
    ['confidence', `${Math.round(incident.confidence * 100)} %`],
  ];
  const plane = controlPlaneLabel(incident);
  if (plane !== null) rows.push(['control plane', plane]);
  rows.push(['opened', utcTime(incident.openedAtMs)]);
  if (incident.resolvedAtMs !== null) rows.push(['resolved', utcTime(incident.resolvedAtMs)]);
  return rows;
}

const roundHeader = ['time', 'loss %', 'added ms', 'confidence'];

function roundRows(incident: IncidentRecord): string[][] {
  return incident.rounds.map((r) => [utcTime(r.atMs), pct(r.lossPct), formatMs(r.addedDelayMs), `${Math.round(r.confidence * 100)} %`]);
}

function idList(ids: readonly string[]): string {
  return ids.length === 0 ? '(none)' : ids.join(', ');
}

/** One line per change: "opened: R4→R6: 100 % loss (loss 100 % for 3 rounds)". */
export function changeHeadline(change: IncidentChange): string {
  return `${change.change}: ${incidentTitle(change.incident)}`;
}

export function incidentEvidenceText(change: IncidentChange): string {
  const { incident, previous } = change;
  const lines = [incidentTitle(incident), incident.summary, `Change: ${change.change} at ${utcTime(changeTime(change))}: ${change.reason}`];
  if (previous !== null && change.change === 'updated') lines.push(`Before: ${incidentTitle(previous)}`);
  lines.push('', textTable(['', 'value'], figureRows(incident)));
  // A path incident's own transition evidence (below) has its rounds in full; a link's are its estimates.
  const path = pathTransitionOf(incident);
  if (path === null && incident.rounds.length > 0) {
    lines.push('', 'Estimates per round, oldest first:', textTable(roundHeader, roundRows(incident)));
  }
  lines.push('', `Evidence routes (${incident.evidenceRoutes.length}): ${idList(incident.evidenceRoutes)}`);
  if (incident.subject.kind !== 'path') lines.push(`User paths explained (${incident.explainedPaths.length}): ${idList(incident.explainedPaths)}`);
  if (path !== null) lines.push('', evidenceText(path));
  lines.push('', `Incident ${incident.id}, subject ${incident.subjectKey}`);
  return lines.join('\n');
}

export function incidentEvidenceHtml(change: IncidentChange): string {
  const { incident, previous } = change;
  const path = pathTransitionOf(incident);
  return [
    `<h3>${escapeHtml(incidentTitle(incident))}</h3>`,
    `<p>${escapeHtml(incident.summary)}</p>`,
    `<p>Change: <b>${escapeHtml(change.change)}</b> at ${escapeHtml(utcTime(changeTime(change)))}: ${escapeHtml(change.reason)}</p>`,
    previous !== null && change.change === 'updated' ? `<p>Before: ${escapeHtml(incidentTitle(previous))}</p>` : '',
    htmlTable(['', 'value'], figureRows(incident)),
    path === null && incident.rounds.length > 0 ? `<h4>Estimates per round, oldest first</h4>\n${htmlTable(roundHeader, roundRows(incident))}` : '',
    `<h4>Evidence routes (${incident.evidenceRoutes.length})</h4>`,
    `<p>${escapeHtml(idList(incident.evidenceRoutes))}</p>`,
    incident.subject.kind === 'path' ? '' : `<h4>User paths explained (${incident.explainedPaths.length})</h4>\n<p>${escapeHtml(idList(incident.explainedPaths))}</p>`,
    path !== null ? evidenceHtml(path) : '',
    `<p>Incident <code>${escapeHtml(incident.id)}</code>, subject <code>${escapeHtml(incident.subjectKey)}</code></p>`,
  ]
    .filter((part) => part !== '')
    .join('\n');
}

function changeTime(change: IncidentChange): number {
  const { incident } = change;
  if (change.change === 'resolved' && incident.resolvedAtMs !== null) return incident.resolvedAtMs;
  return change.change === 'opened' ? incident.openedAtMs : incident.updatedAtMs;
}
