/**
 * What a ticket or a mail says about one path's transition, as plain text and as HTML: the path and
 * its hops (when known), the change and its reason, the measured figures beside their thresholds, and
 * the rounds that decided it. Both channels quote the same evidence so a ticket and a mail never
 * disagree. A path incident carries its transition; incident-format.ts wraps this for it.
 */
import type { PathRecord, RoundResultRecord, TransitionRecord } from '../store/records.js';

/**
 * The path side of the evidence. A full PathRecord fits; a path incident only knows the path's id,
 * group and label, so the rest is optional (the hops table is left out without hops).
 */
export interface PathEvidencePath {
  id: string;
  group: string;
  /** Node names from prober to endpoint; `label` wins when given. */
  names?: string[];
  label?: string;
  fromNode?: string;
  toNode?: string;
  hops?: string[];
  hopNames?: string[];
}

/** One path's transition with its path: what the path evidence is about. */
export interface PathTransition {
  path: PathEvidencePath | PathRecord;
  transition: TransitionRecord;
}

/** `R1 > R2 > R4`: the label, node names, or the path id when the path has neither. */
export function pathLabel(path: PathEvidencePath): string {
  if (path.label !== undefined && path.label.length > 0) return path.label;
  return path.names !== undefined && path.names.length > 0 ? path.names.join(' > ') : path.id;
}

export function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function fixed(value: number | null, digits = 2): string {
  return value === null ? '-' : value.toFixed(digits);
}

/** "23.45 ms", or "-" when nothing came back to measure. */
function withUnit(value: number | null, unit: string, digits = 2): string {
  return value === null ? '-' : `${value.toFixed(digits)} ${unit}`;
}

interface MeasuredRow {
  what: string;
  measured: string;
  threshold: string;
}

/** Worst figures over the deciding rounds, beside the thresholds they were judged against. */
function measuredRows(item: PathTransition): MeasuredRow[] {
  const { rounds, thresholds } = item.transition.evidence;
  const worst = (pick: (r: RoundResultRecord) => number | null): number | null => {
    const values = rounds.map(pick).filter((v): v is number => v !== null);
    return values.length === 0 ? null : Math.max(...values);
  };
  const sent = rounds.reduce((sum, r) => sum + r.sent, 0);
  const received = rounds.reduce((sum, r) => sum + r.received, 0);
  const lossPct = sent === 0 ? null : ((sent - received) / sent) * 100;
  return [
    { what: 'loss (all rounds)', measured: lossPct === null ? '-' : `${lossPct.toFixed(1)} % (${received}/${sent} back)`, threshold: `${thresholds.lossPct} %` },
    {
      what: 'worst round loss',
      measured: withUnit(
        worst((r) => r.lossPct),
        '%',
        1,
      ),
      threshold: `${thresholds.lossPct} %`,
    },
    {
      what: 'delay p50 (worst round)',
      measured: withUnit(
        worst((r) => r.rttP50Ms),
        'ms',
      ),
      threshold: `${thresholds.delayMs} ms`,
    },
    {
      what: 'delay p95 (worst round)',
      measured: withUnit(
        worst((r) => r.rttP95Ms),
        'ms',
      ),
      threshold: `${thresholds.delayMs} ms`,
    },
    {
      what: 'jitter (worst round)',
      measured: withUnit(
        worst((r) => r.jitterMs),
        'ms',
      ),
      threshold: '-',
    },
  ];
}

const roundHeader = ['time', 'sent', 'back', 'loss %', 'p50 ms', 'p95 ms', 'max ms', 'jitter ms'];

function roundCells(r: RoundResultRecord): string[] {
  return [utcTime(r.roundAtMs), String(r.sent), String(r.received), r.lossPct.toFixed(1), fixed(r.rttP50Ms), fixed(r.rttP95Ms), fixed(r.rttMaxMs), fixed(r.jitterMs)];
}

function hopRows(item: PathTransition): string[][] {
  const { hops = [], hopNames = [] } = item.path as PathEvidencePath;
  return hops.map((address, i) => [String(i + 1), hopNames[i] ?? '?', address]);
}

/** "group G (A to B)", or "group G" when the ends are not known. */
function groupText(path: PathEvidencePath): string {
  return path.fromNode !== undefined && path.toNode !== undefined ? `group ${path.group} (${path.fromNode} to ${path.toNode})` : `group ${path.group}`;
}

export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The headline: "R1 > R2 > R4: DEGRADED -> DOWN at 2025-01-01 10:00:00 UTC". */
export function transitionHeadline(item: PathTransition): string {
  const { transition } = item;
  return `${pathLabel(item.path)}: ${transition.from ?? 'new'} -> ${transition.to} at ${utcTime(transition.atMs)}`;
}

export function evidenceText(item: PathTransition): string {
  const { path, transition } = item;
  const lines = [transitionHeadline(item), `Path ${path.id}, ${groupText(path)}`, `Reason: ${transition.reason}`];
  if (transition.to === 'GONE') lines.push('The topology no longer has this path: it is not failing, it no longer exists.');
  lines.push(
    '',
    'Measured vs threshold:',
    textTable(
      ['', 'measured', 'threshold'],
      measuredRows(item).map((r) => [r.what, r.measured, r.threshold]),
    ),
  );
  const hops = hopRows(item);
  if (hops.length > 0) lines.push('', 'Hops:', textTable(['#', 'node', 'address'], hops));
  const rounds = transition.evidence.rounds;
  lines.push('', `Recent rounds, oldest first (hysteresis ${transition.evidence.hysteresisRounds} rounds):`);
  lines.push(rounds.length === 0 ? '  (none)' : textTable(roundHeader, rounds.map(roundCells)));
  return lines.join('\n');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function htmlTable(header: string[], rows: string[][]): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return `<table border="1" cellpadding="4" cellspacing="0"><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

export function evidenceHtml(item: PathTransition): string {
  const { path, transition } = item;
  const rounds = transition.evidence.rounds;
  const hops = hopRows(item);
  return [
    `<h3>${escapeHtml(transitionHeadline(item))}</h3>`,
    `<p>Path <code>${escapeHtml(path.id)}</code>, ${escapeHtml(groupText(path))}</p>`,
    `<p>Reason: ${escapeHtml(transition.reason)}</p>`,
    transition.to === 'GONE' ? '<p>The topology no longer has this path: it is not failing, it no longer exists.</p>' : '',
    '<h4>Measured vs threshold</h4>',
    htmlTable(
      ['', 'measured', 'threshold'],
      measuredRows(item).map((r) => [r.what, r.measured, r.threshold]),
    ),
    hops.length > 0 ? `<h4>Hops</h4>\n${htmlTable(['#', 'node', 'address'], hops)}` : '',
    `<h4>Recent rounds, oldest first (hysteresis ${transition.evidence.hysteresisRounds} rounds)</h4>`,
    rounds.length === 0 ? '<p>(none)</p>' : htmlTable(roundHeader, rounds.map(roundCells)),
  ]
    .filter((part) => part !== '')
    .join('\n');
}
