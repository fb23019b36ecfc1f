/**
 * Incident changes as the incident evaluator hands them to the notifiers: path incidents built from the
 * path transitions of sample-transitions.ts (the path wording tickets had before incidents), and link
 * incidents with estimates, evidence routes and explained paths a test can look for in a ticket or a
 * mail.
 */
import type { IncidentChange, IncidentKind, IncidentRecord } from '../../../../src/incidents/incident.js';
import type { PathStateName } from '../../../../src/monitor/path-state.js';
import type { PathRecord } from '../../../../src/store/records.js';
import { transitionOf } from './sample-transitions.js';

const failing = (state: PathStateName | null): boolean => state === 'DOWN' || state === 'DEGRADED';

/**
 * The change of a path incident for a path transition: into DEGRADED/DOWN from a healthy state opens
 * it, between DEGRADED and DOWN updates it, to UP or GONE resolves it. The incident id is
 * `path:<id>@<openedAtMs>` (openedAtMs defaults to atMs), as the path incident evaluator makes it.
 */
export function pathChange(path: PathRecord, from: PathStateName | null, to: PathStateName, atMs: number, openedAtMs = atMs): IncidentChange {
  const { transition } = transitionOf(path, from, to, atMs);
  const resolved = to === 'UP' || to === 'GONE';
  const change = resolved ? 'resolved' : failing(from) ? 'updated' : 'opened';
  const kindOf = (state: PathStateName | null): IncidentKind => (state === 'DOWN' ? 'down' : 'loss');
  const kind = kindOf(resolved ? from : to);
  const label = path.names.join(' > ');
  const base: IncidentRecord = {
    id: `path:${path.id}@${openedAtMs}`,
    subjectKey: `path:${path.id}`,
    subject: { kind: 'path', pathId: path.id, group: path.group, label },
    kind,
    state: resolved ? 'resolved' : 'open',
    openedAtMs,
    updatedAtMs: atMs,
    resolvedAtMs: resolved ? atMs : null,
    lossPct: to === 'DOWN' ? 100 : to === 'DEGRADED' ? 40 : 0,
    addedDelayMs: null,
    confidence: 1,
    controlPlaneUp: null,
    summary: `${label} ${to}: ${transition.reason}`,
    evidenceRoutes: [path.id],
    explainedPaths: [],
    rounds: transition.evidence.rounds.map((r) => ({ atMs: r.roundAtMs, lossPct: r.lossPct, addedDelayMs: 0, confidence: 1 })),
    transition,
  };
  const previous: IncidentRecord | null = change === 'opened' ? null : { ...base, kind: kindOf(from), state: 'open', resolvedAtMs: null };
  return { change, incident: base, previous, reason: transition.reason };
}

export interface LinkIncidentOptions {
  /** Directed link keys: one for a one-way fault, both directions for a two-way one. */
  linkKeys?: string[];
  label?: string;
  kind?: IncidentKind;
  change?: IncidentChange['change'];
  lossPct?: number | null;
  addedDelayMs?: number | null;
  confidence?: number;
  controlPlaneUp?: boolean | null;
  atMs: number;
  openedAtMs?: number;
  evidenceRoutes?: string[];
  explainedPaths?: string[];
  previous?: IncidentRecord | null;
  reason?: string;
}

/** A link incident: R4→R6 100 % loss by default, with three rounds of estimates, two evidence walks and two explained paths. */
export function linkChange(options: LinkIncidentOptions): IncidentChange {
  const linkKeys = options.linkKeys ?? ['R4->R6'];
  const both = linkKeys.length > 1;
  const kind = options.kind ?? 'loss';
  const change = options.change ?? 'opened';
  const openedAtMs = options.openedAtMs ?? options.atMs;
  const lossPct = options.lossPct === undefined ? (kind === 'delay' ? null : kind === 'down' ? 100 : 20) : options.lossPct;
  const addedDelayMs = options.addedDelayMs === undefined ? (kind === 'delay' ? 10 : null) : options.addedDelayMs;
  const label = options.label ?? (both ? 'R4↔R6' : 'R4→R6');
  const subjectKey = `link:${[...linkKeys].sort().join(',')}`;
  const resolved = change === 'resolved';
  const incident: IncidentRecord = {
    id: `${subjectKey}@${openedAtMs}`,
    subjectKey,
    subject: { kind: 'link', linkKeys, label, direction: both ? 'both' : 'one-way' },
    kind,
    state: resolved ? 'resolved' : 'open',
    openedAtMs,
    updatedAtMs: options.atMs,
    resolvedAtMs: resolved ? options.atMs : null,
    lossPct,
    addedDelayMs,
    confidence: options.confidence ?? 0.93,
    controlPlaneUp: options.controlPlaneUp ?? null,
    summary: `${label}: ${kind} for 3 rounds`,
    evidenceRoutes: options.evidenceRoutes ?? ['w1a2b3c4d5e6', 'w9f8e7d6c5b4'],
    explainedPaths: options.explainedPaths ?? ['path-r1-r6-a', 'path-r1-r6-b'],
    rounds: [3, 2, 1].map((k) => ({ atMs: options.atMs - k * 10_000, lossPct: lossPct ?? 0, addedDelayMs: addedDelayMs ?? 0, confidence: 0.9 })),
  };
  return {
    change,
    incident,
    previous: options.previous ?? null,
    reason: options.reason ?? (resolved ? 'healthy for 3 rounds' : change === 'updated' ? 'estimate changed' : `${kind} for 3 rounds`),
  };
}
