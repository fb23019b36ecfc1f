/**
 * Incidents: what tickets, mails, the map and /metrics hang off. An incident has one subject: a directed
 * link, both directions of one link, a link group the plan cannot split, or a user path that no link
 * incident explains. It is opened, updated (its kind or estimate changed materially) and resolved;
 * every change is stored and handed to the notifiers.
 */
import type { TransitionRecord } from '../store/records.js';

export type IncidentKind = 'down' | 'loss' | 'delay';

/** Worst first, for priorities and the map. */
export const incidentKindSeverity: Record<IncidentKind, number> = { down: 3, loss: 2, delay: 1 };

export type IncidentSubject =
  | {
      kind: 'link';
      /** The faulty directed link keys: one for a one-way fault, both directions for a two-way one. */
      linkKeys: string[];
      /** `R4→R6` or `R4↔R6`. */
      label: string;
      direction: 'one-way' | 'both';
    }
  | { kind: 'group'; groupId: string; linkKeys: string[]; label: string }
  | { kind: 'path'; pathId: string; group: string; label: string };

export interface IncidentRecord {
  /** Unique per occurrence: a new fault on the same link after this one resolved is a new incident. */
  id: string;
  /**
   * What the incident is about, stable across occurrences: `link:<sorted keys>`, `group:<id>` or
   * `path:<id>`. At most one open incident per subject key. A link's keys are both directions' directed
   * keys (one when the reverse does not exist), sorted and joined by `,` (see `linkSubjectKey`).
   */
  subjectKey: string;
  subject: IncidentSubject;
  kind: IncidentKind;
  state: 'open' | 'resolved';
  openedAtMs: number;
  updatedAtMs: number;
  resolvedAtMs: number | null;
  /** Estimated loss, percent (per direction: the worst), null when not a loss incident. */
  lossPct: number | null;
  /**
   * Estimated added one-way delay, ms, null when not a delay incident (a loss incident carries it too
   * when the delay also breached). A path incident has no per-link baseline: its figure is how far the
   * p50 RTT sat above the path's delay threshold.
   */
  addedDelayMs: number | null;
  /** 0..1. */
  confidence: number;
  /**
   * For a link that drops everything: whether the topology (BGP-LS, or the file) still has it.
   * `true` reads "data plane down, control plane up".
   */
  controlPlaneUp: boolean | null;
  /** One line an engineer reads: "R4→R6: 100 % loss for 3 rounds (data plane down, control plane up)". */
  summary: string;
  /** Walk and path ids whose figures support the blame. */
  evidenceRoutes: string[];
  /** User paths (ids) that cross the subject: they get no ticket of their own while this is open. */
  explainedPaths: string[];
  /** Recent per-round estimates that decided it, oldest first (for tickets and mails). */
  rounds: { atMs: number; lossPct: number; addedDelayMs: number; confidence: number }[];
  /** For a path incident: the path transition that opened or last changed it (its rounds and thresholds). */
  transition?: TransitionRecord;
}

export type IncidentChangeKind = 'opened' | 'updated' | 'resolved';

/** One change of one incident, as the notifiers receive it. */
export interface IncidentChange {
  change: IncidentChangeKind;
  incident: IncidentRecord;
  /** The incident as it was before this change (null when opened). */
  previous: IncidentRecord | null;
  /** Why it changed, one line: "estimate rose from 20 % to 100 %", "healthy for 3 rounds". */
  reason: string;
}
