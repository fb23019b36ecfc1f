/**
 * Path incidents: a user path that fails with no link (or group) incident to explain it gets its own
 * incident, as every failing path did before localization. When a link incident explains the path, the
 * engineer gets one ticket per broken link instead: the path opens nothing, and a path incident opened
 * earlier (the path's hysteresis ran a round ahead of the link's) is resolved "explained by link
 * incident R4→R6". Pure: the path evaluator's transitions and the open link incidents in, changes out.
 *
 * - A transition to DEGRADED or DOWN opens an incident (kind down for DOWN, loss or delay from what the
 *   deciding rounds breached), unless an open link/group incident's faulty links cross the path.
 * - An open path incident is updated on DEGRADED↔DOWN and resolved on UP or GONE (the transition's
 *   reason is the change's reason), or when the path's current state says so without a transition
 *   (after a restart), or when the path is no longer monitored at all.
 * - A failing path left unexplained (its link incident resolved while the path stays DOWN) opens an
 *   incident after `hysteresisRounds` rounds unexplained: long enough for the path's own recovery, which
 *   trails the link's by at most a round or two, to arrive first.
 */
import type { PathStateName } from '../monitor/path-state.js';
import type { PathRecord, RoundResultRecord, TransitionRecord } from '../store/records.js';
import type { IncidentChange, IncidentKind, IncidentRecord } from './incident.js';
import { IncidentError } from './incident-error.js';
import { crossesAny, isFailing, type PathStatus } from './explained-paths.js';
import { tidy } from './incident-format.js';

/** One transition of one path, as the monitor's path evaluator made it. */
export interface PathTransitionInput {
  transition: TransitionRecord;
  path: PathRecord;
}

export interface PathRoundInput {
  atMs: number;
  /** This round's path transitions, in the order the evaluator made them. */
  transitions: readonly PathTransitionInput[];
  /** Every monitored user path and its state after this round's transitions (GONE ones included). */
  paths: readonly PathStatus[];
  /** Open link and group incidents after this round: what may explain a failing path. */
  explainers: readonly IncidentRecord[];
  hysteresisRounds: number;
  /**
   * Rounds a newly failing path waits for a link incident to explain it before it opens its own. With
   * localization on, a path and the link under it cross their thresholds in the same round only when
   * their figures agree to the round; the grace keeps a broken link from ticketing each path over it
   * first. Default 0.
   */
  graceRounds?: number;
}

interface PathTrack {
  path: PathRecord;
  /** The transition that last moved the path, when this run saw one. */
  lastTransition: TransitionRecord | null;
  incident: IncidentRecord | null;
  /** Rounds in a row the path has been failing with neither an incident nor an explainer. */
  unexplainedRounds: number;
  /** The transition that made the path fail while it waits out the grace rounds; null when not waiting. */
  waiting: TransitionRecord | null;
}

export class PathIncidents {
  readonly #tracks = new Map<string, PathTrack>();
  /** Open incidents resumed before the path was seen again this run, by path id. */
  readonly #resumed = new Map<string, IncidentRecord>();

  open(): IncidentRecord[] {
    return [...[...this.#tracks.values()].flatMap((t) => (t.incident === null ? [] : [t.incident])), ...this.#resumed.values()];
  }

  /** Continues path incidents a previous run left open; link and group incidents are ignored here. */
  resume(open: readonly IncidentRecord[]): void {
    for (const record of open) {
      if (record.state !== 'open' || record.subject.kind !== 'path') continue;
      const pathId = record.subject.pathId;
      if (this.#resumed.has(pathId) || this.#tracks.get(pathId)?.incident) {
        throw new IncidentError('invalid-resume', `incidents.PathIncidents.resume: two open incidents for path ${pathId} (the second is ${record.id}); expected at most one`);
      }
      this.#resumed.set(pathId, record);
    }
  }

  round(input: PathRoundInput): IncidentChange[] {
    checkInput(input);
    const changes: IncidentChange[] = [];
    const explainers = input.explainers.filter((i) => i.state === 'open' && i.subject.kind !== 'path');
    const explainerOf = (path: PathRecord) => explainers.find((i) => crossesAny(path.linkKeys, new Set(i.subject.kind === 'path' ? [] : i.subject.linkKeys))) ?? null;
    const states = new Map(input.paths.map((p) => [p.record.id, p]));
    for (const status of input.paths) this.#trackOf(status.record);
    for (const { path } of input.transitions) this.#trackOf(path);
    for (const [pathId, previous] of this.#resumed) {
      this.#resumed.delete(pathId);
      const incident: IncidentRecord = { ...previous, state: 'resolved', updatedAtMs: input.atMs, resolvedAtMs: input.atMs };
      changes.push({ change: 'resolved', incident, previous, reason: 'the path is no longer monitored (its group or endpoints left the configuration)' });
    }
    const transitioned = new Set<string>();

    for (const { transition, path } of input.transitions) {
      const track = this.#trackOf(path);
      track.path = path;
      track.lastTransition = transition;
      transitioned.add(path.id);
      const open = track.incident;
      if (transition.to === 'UP' || transition.to === 'GONE') {
        if (open !== null) changes.push(this.#resolve(track, input.atMs, `${transition.to}: ${transition.reason}`));
        continue;
      }
      // An explained path opens nothing; an open incident it now explains is resolved below, not updated first.
      if (explainerOf(path) !== null) continue;
      // No link can explain a route that crosses none (an ICMP/TCP/UDP target): it opens at once.
      if (open === null && path.linkKeys.length > 0 && (input.graceRounds ?? 0) > 0) {
        track.waiting = transition;
        track.unexplainedRounds = 0;
        continue;
      }
      if (open === null) {
        changes.push(this.#open(track, transition, input.atMs, transition.reason));
      } else if (transition.to !== stateOf(open)) {
        const incident = { ...pathIncidentFigures(open, path, transition), updatedAtMs: input.atMs };
        track.incident = incident;
        changes.push({ change: 'updated', incident, previous: open, reason: `${transition.from ?? 'new'} → ${transition.to}: ${transition.reason}` });
      }
    }

    for (const track of [...this.#tracks.values()]) {
      const status = states.get(track.path.id);
      const open = track.incident;
      if (status === undefined) {
        if (open !== null) changes.push(this.#resolve(track, input.atMs, 'the path is no longer monitored (its group or endpoints left the configuration)'));
        this.#tracks.delete(track.path.id);
        continue;
      }
      const explainer = explainerOf(status.record);
      if (open !== null) {
        if (!isFailing(status.state) && !transitioned.has(track.path.id)) changes.push(this.#resolve(track, input.atMs, `the path is ${status.state}`));
        else if (explainer !== null) changes.push(this.#resolve(track, input.atMs, `explained by ${explainerName(explainer)}`));
        continue;
      }
      track.unexplainedRounds = isFailing(status.state) && explainer === null ? track.unexplainedRounds + 1 : 0;
      if (track.waiting !== null) {
        // Waiting out the grace rounds after its own transition: open if still failing and unexplained.
        if (!isFailing(status.state) || explainer !== null) track.waiting = null;
        else if (track.unexplainedRounds > (input.graceRounds ?? 0)) {
          const transition = track.waiting;
          track.waiting = null;
          changes.push(this.#open(track, transition, input.atMs, `${transition.reason} (no link incident explains it)`));
        }
        continue;
      }
      if (track.unexplainedRounds >= input.hysteresisRounds && !transitioned.has(track.path.id)) {
        const reason = `${status.state} and no link incident explains it any more (for ${input.hysteresisRounds} rounds)`;
        const transition = track.lastTransition ?? syntheticTransition(status, input.atMs, input.hysteresisRounds);
        changes.push(this.#open(track, transition ?? status.state, input.atMs, reason));
      }
    }
    return changes;
  }

  #trackOf(path: PathRecord): PathTrack {
    let track = this.#tracks.get(path.id);
    if (track === undefined) {
      track = { path, lastTransition: null, incident: this.#resumed.get(path.id) ?? null, unexplainedRounds: 0, waiting: null };
      this.#resumed.delete(path.id);
      this.#tracks.set(path.id, track);
    }
    return track;
  }

  /** Opens from the transition that decided the path's state, or from the bare state when none is known. */
  #open(track: PathTrack, transition: TransitionRecord | PathStateName, atMs: number, reason: string): IncidentChange {
    const subjectKey = `path:${track.path.id}`;
    const base: IncidentRecord = {
      id: `${subjectKey}@${atMs}`,
      subjectKey,
      subject: { kind: 'path', pathId: track.path.id, group: track.path.group, label: pathLabel(track.path) },
      kind: 'down',
      state: 'open',
      openedAtMs: atMs,
      updatedAtMs: atMs,
      resolvedAtMs: null,
      lossPct: null,
      addedDelayMs: null,
      confidence: 1,
      controlPlaneUp: null,
      summary: '',
      evidenceRoutes: [track.path.id],
      explainedPaths: [],
      rounds: [],
    };
    const incident =
      typeof transition === 'string'
        ? { ...base, kind: transition === 'DOWN' ? ('down' as const) : ('loss' as const), lossPct: transition === 'DOWN' ? 100 : null, summary: `${pathLabel(track.path)} ${transition}: ${reason}` }
        : pathIncidentFigures(base, track.path, transition);
    track.incident = incident;
    track.unexplainedRounds = 0;
    return { change: 'opened', incident, previous: null, reason };
  }

  #resolve(track: PathTrack, atMs: number, reason: string): IncidentChange {
    const previous = track.incident!;
    const incident: IncidentRecord = { ...previous, state: 'resolved', updatedAtMs: atMs, resolvedAtMs: atMs };
    track.incident = null;
    track.unexplainedRounds = 0;
    return { change: 'resolved', incident, previous, reason };
  }
}

/**
 * `dev1 > R1 > R2 > R4`: node names, as paths are named in tickets and mails; the id when unnamed. A
 * target reads `tcp db1:5432 (group db)`: its kind and address, and the group its owner configured.
 */
export function pathLabel(path: PathRecord): string {
  if (path.id.startsWith('target-') && path.linkKeys.length === 0 && path.names.length > 0) return `${path.names[0]} (group ${path.group})`;
  return path.names.length > 0 ? path.names.join(' > ') : path.id;
}

function explainerName(incident: IncidentRecord): string {
  return incident.subject.kind === 'group' ? `link group incident ${incident.subject.label}` : `link incident ${incident.subject.label}`;
}

function stateOf(incident: IncidentRecord): PathStateName | null {
  return incident.transition?.to ?? (incident.kind === 'down' ? 'DOWN' : 'DEGRADED');
}

/**
 * The incident's kind and figures from the transition that set them: down for DOWN; for DEGRADED, loss
 * when a deciding round's loss breached, else delay. A path has no per-link baseline, so its
 * `addedDelayMs` is how far the p50 RTT sat above the path's delay threshold.
 */
function pathIncidentFigures(incident: IncidentRecord, path: PathRecord, transition: TransitionRecord): IncidentRecord {
  const { rounds, thresholds } = transition.evidence;
  const lossy = rounds.some((r) => r.lossPct > thresholds.lossPct);
  const kind: IncidentKind = transition.to === 'DOWN' ? 'down' : lossy || rounds.length === 0 ? 'loss' : 'delay';
  const over = (r: RoundResultRecord) => Math.max(0, (r.rttP50Ms ?? thresholds.delayMs) - thresholds.delayMs);
  const meanLoss = rounds.length === 0 ? (kind === 'down' ? 100 : null) : tidy(rounds.reduce((s, r) => s + r.lossPct, 0) / rounds.length);
  const delayed = rounds.filter((r) => r.rttP50Ms !== null && r.rttP50Ms > thresholds.delayMs);
  const meanOver = delayed.length === 0 ? null : tidy(delayed.reduce((s, r) => s + over(r), 0) / delayed.length);
  return {
    ...incident,
    subject: { kind: 'path', pathId: path.id, group: path.group, label: pathLabel(path) },
    kind,
    lossPct: kind === 'delay' ? null : meanLoss,
    addedDelayMs: kind === 'down' ? null : meanOver,
    summary: `${pathLabel(path)} ${transition.to}: ${transition.reason}`,
    rounds: rounds.map((r) => ({ atMs: r.roundAtMs, lossPct: tidy(r.lossPct), addedDelayMs: tidy(over(r)), confidence: 1 })),
    transition,
  };
}

/**
 * A path found failing with no transition this run saw (it went DOWN before a restart): its state is
 * the only evidence, with the path's thresholds when the caller gave them (a LivePath does).
 */
function syntheticTransition(status: PathStatus, atMs: number, hysteresisRounds: number): TransitionRecord | null {
  if (status.thresholds === undefined) return null;
  return {
    pathId: status.record.id,
    atMs,
    from: null,
    to: status.state,
    reason: `${status.state} since before this run; no link incident explains it`,
    evidence: { rounds: [], thresholds: { ...status.thresholds }, hysteresisRounds },
  };
}

function checkInput(input: PathRoundInput): void {
  const where = 'incidents.PathIncidents.round';
  if (!Number.isFinite(input.atMs)) throw new IncidentError('invalid-input', `${where}: atMs is ${input.atMs}; expected epoch milliseconds`);
  if (!Number.isInteger(input.hysteresisRounds) || input.hysteresisRounds < 1) {
    throw new IncidentError('invalid-input', `${where}: hysteresisRounds is ${input.hysteresisRounds}; expected an integer of 1 or more`);
  }
  for (const { transition, path } of input.transitions) {
    if (transition.pathId !== path.id)
      throw new IncidentError('invalid-input', `${where}: a transition of path ${transition.pathId} came with path record ${path.id}; expected the record of the same path`);
  }
}
