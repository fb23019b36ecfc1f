/**
 * Link and link-group incidents from per-round link estimates, with the same hysteresis as paths: an
 * incident opens after `hysteresisRounds` breaching rounds in a row and resolves after as many healthy
 * rounds in a row; a round that does not continue the streak starts the count again, so one noisy round
 * neither opens nor resolves anything. Pure: estimates and the topology in, changes out, time as `atMs`.
 *
 * Subjects. One physical link is one subject (both directions' keys, see link-subjects.ts), so a broken
 * cable is one ticket whatever the direction; the incident says which direction is at fault
 * (`one-way`, `R4→R6`) or that both are (`both`, `R4↔R6`), and moves between the two through an
 * `updated` change when a direction starts or stops breaching for N rounds in a row. A link group the
 * plan cannot split is one subject (`group:<id>`).
 *
 * Confidence. The estimator says per round how sure it is that a link is faulty. A round counts as
 * breaching only when that is at least `minRoundConfidence` (a floor for what the estimator itself calls
 * noise); a figure over a threshold below that floor is "unsure", which neither opens nor resolves. The
 * streak must then convince as a whole: the chance that every one of its rounds was noise, Π(1 − c),
 * must be at most 1 − `minConfidence`. Strong evidence opens after exactly N rounds; weak but steady
 * evidence (a real 5 % loss that 10 probes a walk see only faintly) opens after a few more rounds rather
 * than never; noise that happens to breach N times with low confidence does not. Rounds where routes
 * returned nothing at all (down) need only the floor: a route that loses every probe is not a fluke.
 *
 * Figures. The reported loss and delay are the mean of the deciding rounds, then of the last N
 * breaching rounds, so one noisy round does not swing them; healthy rounds on the way to resolution do
 * not dilute them either. The kind, direction and figures change only through an `updated` change, at
 * most once every N rounds, and only when material: another kind or direction, or the figure moved by
 * more than half and by more than its threshold. `rounds` and `explainedPaths` are refreshed every round
 * in the open record without a change.
 *
 * Withdrawn links. A link the topology no longer has is not failing, it does not exist: it never opens
 * an incident, and an open one resolves saying so.
 */
import type { LinkEstimate } from '../localize/localize-types.js';
import type { IncidentChange, IncidentRecord } from './incident.js';
import { IncidentError } from './incident-error.js';
import { linkSummary, tidy } from './incident-format.js';
import {
  breachReason,
  countTrailing,
  faultyAtOpen,
  healthyReason,
  kindOf,
  mean,
  resolution,
  resumedRound,
  roundEntry,
  updateReasons,
  type IncidentFigures,
  type LinkOrGroupSubject,
} from './link-incident-rules.js';
import { LinkSubjects, groupSubjectKey, reverseKey, type IncidentGroup, type IncidentLink } from './link-subjects.js';
import { directionClass, subjectRound, type LinkThresholds, type SubjectRound } from './link-round.js';
import { explainedPathIds, type PathStatus } from './explained-paths.js';

export type { LinkThresholds } from './link-round.js';

export interface LinkRoundInput {
  atMs: number;
  /** This round's estimates: one per directed link (`link`) or link group (`group`) any route crossed. */
  estimates: readonly LinkEstimate[];
  /**
   * Every directed link the topology has now; a key missing here is withdrawn. The evaluator indexes
   * the array once and reuses the index while it gets the same array: pass a new one when the topology
   * changes, never the old one edited in place.
   */
  links: readonly IncidentLink[];
  /** The cover plan's link groups. */
  groups?: readonly IncidentGroup[];
  thresholds: LinkThresholds;
  hysteresisRounds: number;
  /** The monitored user paths and their states, for `explainedPaths`; none when omitted. */
  paths?: readonly PathStatus[];
}

export interface LinkIncidentOptions {
  /** The streak's combined confidence, 1 − Π(1 − c), needed to open. Default 0.5. */
  minConfidence?: number;
  /** A round over a threshold counts as breaching only at this confidence or more. Default 0.05. */
  minRoundConfidence?: number;
  /** Per-round estimates an incident keeps in `rounds`. Default 10. */
  keptRounds?: number;
}

/** Evidence route ids an incident keeps: enough to show, bounded for tickets and rows. */
const maxEvidenceRoutes = 50;

interface DirectionState {
  faulty: boolean;
  /** Rounds in a row against `faulty` (healthy while faulty, breaching while not). */
  contrary: number;
}

interface Track {
  subjectKey: string;
  groupId: string | null;
  /** Directed keys of the subject: a link's one or two directions, or the group's members. */
  memberKeys: string[];
  /** Closed: the current run of breaching rounds (last keptRounds of it), its length and Π(1 − c). */
  streak: SubjectRound[];
  streakLength: number;
  streakNoise: number;
  /** Open: the last keptRounds rounds that had an estimate. */
  history: SubjectRound[];
  incident: IncidentRecord | null;
  /** Open: the last N breaching rounds, which the figures are the mean of. */
  recent: SubjectRound[];
  /** Open: the current run of healthy rounds. */
  healthy: SubjectRound[];
  directions: Map<string, DirectionState>;
  /** The direction named first in `R4↔R6`. */
  orientation: string;
  roundsSinceChange: number;
  /** Breaching down rounds in a row. */
  downRun: number;
}

export class LinkIncidentEvaluator {
  readonly #minConfidence: number;
  readonly #minRoundConfidence: number;
  readonly #keptRounds: number;
  readonly #tracks = new Map<string, Track>();
  #lastAtMs = -Infinity;
  #topology: { links: readonly IncidentLink[]; subjects: LinkSubjects } | null = null;

  constructor(options: LinkIncidentOptions = {}) {
    this.#minConfidence = unitOption('minConfidence', options.minConfidence ?? 0.5);
    this.#minRoundConfidence = unitOption('minRoundConfidence', options.minRoundConfidence ?? 0.05);
    this.#keptRounds = options.keptRounds ?? 10;
    if (!Number.isInteger(this.#keptRounds) || this.#keptRounds < 1) {
      throw new IncidentError('invalid-input', `incidents.LinkIncidentEvaluator: keptRounds is ${options.keptRounds}; expected an integer of 1 or more`);
    }
  }

  /** Open link and group incidents, as they are now. */
  open(): IncidentRecord[] {
    return [...this.#tracks.values()].flatMap((track) => (track.incident === null ? [] : [track.incident]));
  }

  /**
   * Continues incidents a previous run left open: no `opened` for them, and they resolve (or update)
   * by the usual rules. Path incidents are ignored here (PathIncidents resumes those).
   * @throws IncidentError `invalid-resume` for two open incidents with one subject key.
   */
  resume(open: readonly IncidentRecord[]): void {
    const seen = new Set<string>();
    for (const record of open) {
      if (record.state !== 'open' || record.subject.kind === 'path') continue;
      if (seen.has(record.subjectKey)) {
        throw new IncidentError('invalid-resume', `incidents.LinkIncidentEvaluator.resume: two open incidents for subject ${record.subjectKey} (the second is ${record.id}); expected at most one`);
      }
      seen.add(record.subjectKey);
      const track = newTrack(record.subjectKey, record.subject.kind === 'group' ? record.subject.groupId : null, record.subject.linkKeys);
      track.incident = record;
      track.orientation = record.subject.linkKeys[0] ?? '';
      track.directions = new Map(record.subject.linkKeys.map((key) => [key, { faulty: true, contrary: 0 }]));
      track.history = record.rounds.map((r) => resumedRound(r));
      this.#tracks.set(record.subjectKey, track);
    }
  }

  /** One round: estimates in, the changes it makes out (opened, updated, resolved). */
  evaluate(input: LinkRoundInput): IncidentChange[] {
    checkInput(input, this.#lastAtMs);
    this.#lastAtMs = input.atMs;
    const n = input.hysteresisRounds;
    // The monitor hands the same array while the topology is unchanged: its index is reused.
    if (this.#topology?.links !== input.links) this.#topology = { links: input.links, subjects: new LinkSubjects(input.links) };
    const topology = this.#topology.subjects;
    // Only what can matter is indexed: estimates over a threshold, and the directions of open incidents
    // (and their reverses, which may join them). The healthy rest of a large topology is skipped.
    const watched = new Set<string>();
    for (const track of this.#tracks.values()) {
      if (track.incident !== null && track.groupId === null) for (const key of track.memberKeys) watched.add(key).add(reverseKey(key));
    }
    const linkEstimates = new Map<string, LinkEstimate>();
    const groupEstimates = new Map<string, LinkEstimate>();
    const groups = new Map<string, IncidentGroup>();
    for (const group of input.groups ?? []) groups.set(group.id, group);
    for (const estimate of input.estimates) {
      if (estimate.subject.kind === 'link') {
        if (watched.has(estimate.subject.linkKey) || directionClass(estimate, input.thresholds, 0) !== 'healthy') linkEstimates.set(estimate.subject.linkKey, estimate);
      } else {
        groupEstimates.set(estimate.subject.groupId, estimate);
        if (!groups.has(estimate.subject.groupId)) groups.set(estimate.subject.groupId, { id: estimate.subject.groupId, linkKeys: estimate.subject.linkKeys });
      }
    }
    const context: RoundContext = { input, n, topology, linkEstimates, groupEstimates, groups };
    const changes: IncidentChange[] = [];
    const reserved = new Set<string>();
    const seen = new Set<string>();

    for (const track of [...this.#tracks.values()]) {
      if (track.incident === null) continue;
      seen.add(track.subjectKey);
      const gone = this.#goneReason(track, context);
      if (gone !== null) {
        changes.push(resolution(track.incident, input.atMs, gone));
        this.#tracks.delete(track.subjectKey);
        continue;
      }
      if (track.groupId === null) {
        const members = new Set<string>();
        for (const key of track.memberKeys) for (const member of topology.physicalOf(key)?.linkKeys ?? []) members.add(member);
        track.memberKeys = [...members].sort();
        for (const key of members) reserved.add(key);
      }
      const change = this.#stepOpen(track, context);
      if (change !== null) changes.push(change);
      if (track.incident?.state === 'resolved') this.#tracks.delete(track.subjectKey);
    }

    // Closed subjects: only those with a breaching direction this round can start or continue a streak.
    for (const [key, estimate] of linkEstimates) {
      if (directionClass(estimate, input.thresholds, this.#minRoundConfidence) !== 'breach') continue;
      const physical = topology.physicalOf(key);
      if (physical === undefined || seen.has(physical.subjectKey) || physical.linkKeys.some((member) => reserved.has(member))) continue;
      seen.add(physical.subjectKey);
      const change = this.#stepClosed(this.#closedTrack(physical.subjectKey, null, physical.linkKeys), context);
      if (change !== null) changes.push(change);
    }
    for (const [groupId, estimate] of groupEstimates) {
      const group = groups.get(groupId)!;
      const subjectKey = groupSubjectKey(groupId);
      if (seen.has(subjectKey) || !group.linkKeys.some((key) => topology.has(key))) continue;
      if (directionClass(estimate, input.thresholds, this.#minRoundConfidence) !== 'breach') continue;
      seen.add(subjectKey);
      const change = this.#stepClosed(this.#closedTrack(subjectKey, groupId, group.linkKeys), context);
      if (change !== null) changes.push(change);
    }
    // A closed subject that did not breach this round (or that the topology or the plan no longer has)
    // keeps no streak: it starts afresh, and costs no memory until then.
    for (const key of [...this.#tracks.keys()]) if (!seen.has(key)) this.#tracks.delete(key);
    return changes;
  }

  #closedTrack(subjectKey: string, groupId: string | null, memberKeys: readonly string[]): Track {
    const track = this.#tracks.get(subjectKey) ?? newTrack(subjectKey, groupId, memberKeys);
    track.memberKeys = [...memberKeys].sort();
    this.#tracks.set(subjectKey, track);
    return track;
  }

  #goneReason(track: Track, context: RoundContext): string | null {
    const { topology, groups } = context;
    const incident = track.incident!;
    if (track.groupId === null) {
      const withdrawn = incident.subject.kind === 'link' && incident.subject.linkKeys.some((key) => !topology.has(key));
      return withdrawn ? 'the topology withdrew the link (its paths are GONE, not failing)' : null;
    }
    if (!track.memberKeys.some((key) => topology.has(key))) return "the topology withdrew the group's links (their paths are GONE, not failing)";
    if (context.input.groups !== undefined && !groups.has(track.groupId)) return `the re-plan split link group ${incident.subject.label}: its links are now judged one by one`;
    return null;
  }

  #roundOf(track: Track, context: RoundContext, faulty: ReadonlySet<string> | null): SubjectRound | null {
    const { input } = context;
    const estimates = new Map<string, LinkEstimate | undefined>();
    if (track.groupId !== null) estimates.set(track.groupId, context.groupEstimates.get(track.groupId));
    else for (const key of track.memberKeys) estimates.set(key, context.linkEstimates.get(key));
    return subjectRound(input.atMs, estimates, input.thresholds, this.#minRoundConfidence, faulty);
  }

  #stepClosed(track: Track, context: RoundContext): IncidentChange | null {
    const { n } = context;
    const round = this.#roundOf(track, context, null);
    if (round === null || round.cls !== 'breach') {
      // Only breaching subjects reach here; a guard, so a streak can never survive a healthy round.
      this.#tracks.delete(track.subjectKey);
      return null;
    }
    track.streak = [...track.streak, round].slice(-Math.max(n, this.#keptRounds));
    track.streakLength++;
    track.streakNoise *= 1 - round.confidence;
    const deciding = track.streak.slice(-n);
    const convincing = 1 - track.streakNoise >= this.#minConfidence || deciding.every((r) => r.down);
    if (track.streakLength < n || !convincing) return null;
    return this.#openIncident(track, deciding, context);
  }

  #openIncident(track: Track, deciding: SubjectRound[], context: RoundContext): IncidentChange {
    const { input, n } = context;
    const faulty = track.groupId === null ? faultyAtOpen(deciding, track.memberKeys) : [...track.memberKeys];
    track.directions = new Map(track.memberKeys.map((key) => [key, { faulty: faulty.includes(key), contrary: 0 }]));
    track.orientation = faulty[0]!;
    track.recent = deciding;
    track.healthy = [];
    track.downRun = countTrailing(deciding, (r) => r.down);
    track.roundsSinceChange = 0;
    const desired = this.#desired(track, context);
    const subjectKey = track.subjectKey;
    const incident: IncidentRecord = {
      id: `${subjectKey}@${input.atMs}`,
      subjectKey,
      ...desired,
      state: 'open',
      openedAtMs: input.atMs,
      updatedAtMs: input.atMs,
      resolvedAtMs: null,
      explainedPaths: explainedPathIds(desired.subject.linkKeys, input.paths ?? []),
      rounds: track.streak.slice(-this.#keptRounds).map(roundEntry),
    };
    track.incident = incident;
    track.history = track.streak.slice(-this.#keptRounds);
    track.streak = [];
    track.streakLength = 0;
    track.streakNoise = 1;
    return { change: 'opened', incident, previous: null, reason: breachReason(deciding, input.thresholds, n) };
  }

  #stepOpen(track: Track, context: RoundContext): IncidentChange | null {
    const { input, n } = context;
    const incident = track.incident!;
    // A group is one unknown: its estimate is keyed by the group id, not by its members.
    const faulty = new Set(track.groupId !== null ? [track.groupId] : incident.subject.kind === 'path' ? [] : incident.subject.linkKeys);
    const round = this.#roundOf(track, context, faulty);
    track.roundsSinceChange++;
    if (round !== null) track.history = [...track.history, round].slice(-this.#keptRounds);
    const cls = round?.cls ?? 'unsure';
    track.downRun = cls === 'breach' && round!.down ? track.downRun + 1 : 0;
    if (cls === 'breach') {
      track.recent = [...track.recent, round!].slice(-n);
      track.healthy = [];
    } else if (cls === 'healthy') {
      track.healthy = [...track.healthy, round!].slice(-n);
    } else {
      track.healthy = [];
    }
    if (track.healthy.length >= n) {
      const resolved = resolution(this.#refreshed(incident, track, context), input.atMs, healthyReason(track.healthy, input.thresholds));
      track.incident = resolved.incident;
      return resolved;
    }
    if (round !== null && track.groupId === null) this.#stepDirections(track, round, n);

    if (track.recent.length >= n && track.roundsSinceChange >= n) {
      const desired = this.#desired(track, context);
      const reasons = updateReasons(incident, desired, { thresholds: input.thresholds, n, recent: track.recent, labelOf: (key) => context.topology.label([key]) });
      if (reasons.length > 0) {
        const updated: IncidentRecord = { ...this.#refreshed(incident, track, context), ...desired, updatedAtMs: input.atMs };
        updated.explainedPaths = explainedPathIds(desired.subject.linkKeys, input.paths ?? []);
        track.incident = updated;
        track.roundsSinceChange = 0;
        return { change: 'updated', incident: updated, previous: incident, reason: reasons.join('; ') };
      }
    }
    track.incident = this.#refreshed(incident, track, context);
    return null;
  }

  /**
   * Per direction, the same hysteresis: N rounds in a row against its state flip it. Directions that
   * start breaching flip first, so a fault that moves from one direction to the other reads as one move.
   */
  #stepDirections(track: Track, round: SubjectRound, n: number): void {
    for (const key of track.memberKeys) {
      const state = track.directions.get(key) ?? { faulty: false, contrary: 0 };
      track.directions.set(key, state);
      const cls = round.directions.get(key) ?? 'unknown';
      state.contrary = (state.faulty ? cls === 'healthy' : cls === 'breach') ? state.contrary + 1 : 0;
    }
    for (const state of track.directions.values()) {
      if (!state.faulty && state.contrary >= n) Object.assign(state, { faulty: true, contrary: 0 });
    }
    for (const [key, state] of track.directions) {
      // The last faulty direction stays blamed: the incident resolves as a whole, not by losing its subject.
      const othersFaulty = [...track.directions.entries()].some(([other, s]) => other !== key && s.faulty);
      if (!state.faulty || state.contrary < n || !othersFaulty) continue;
      Object.assign(state, { faulty: false, contrary: 0 });
    }
    if (track.directions.get(track.orientation)?.faulty !== true) {
      track.orientation = [...track.directions.entries()].find(([, s]) => s.faulty)![0];
    }
  }

  /** The open record with this round's `rounds` and `explainedPaths`: carried, not a change. */
  #refreshed(incident: IncidentRecord, track: Track, context: RoundContext): IncidentRecord {
    const linkKeys = incident.subject.kind === 'path' ? [] : incident.subject.linkKeys;
    return { ...incident, rounds: track.history.map(roundEntry), explainedPaths: explainedPathIds(linkKeys, context.input.paths ?? []) };
  }

  /** What the incident would say now, from the last N breaching rounds. */
  #desired(track: Track, context: RoundContext): IncidentFigures {
    const { topology, input } = context;
    const { thresholds } = input;
    const rounds = track.recent;
    const meanLoss = mean(rounds.map((r) => r.lossPct));
    const meanDelay = mean(rounds.map((r) => r.addedDelayMs));
    const kind = kindOf(rounds, meanLoss, meanDelay, thresholds);
    let subject: LinkOrGroupSubject;
    if (track.groupId === null) {
      const faulty = [...track.directions.entries()].filter(([, s]) => s.faulty).map(([key]) => key);
      const linkKeys = [track.orientation, ...faulty.filter((key) => key !== track.orientation).sort()];
      subject = { kind: 'link', linkKeys, label: topology.label(linkKeys, track.orientation), direction: linkKeys.length > 1 ? 'both' : 'one-way' };
    } else {
      const group = context.groups.get(track.groupId) ?? { id: track.groupId, linkKeys: track.memberKeys };
      subject = { kind: 'group', groupId: track.groupId, linkKeys: [...track.memberKeys], label: topology.groupLabel(group) };
    }
    const lossPct = kind === 'delay' ? null : tidy(meanLoss);
    const addedDelayMs = kind === 'down' || (kind === 'loss' && !(meanDelay > thresholds.addedDelayMs)) ? null : tidy(meanDelay);
    const controlPlaneUp = kind === 'down' ? true : null;
    const downRounds = kind === 'down' ? track.downRun : 0;
    return {
      subject,
      kind,
      lossPct,
      addedDelayMs,
      confidence: tidy(1 - rounds.reduce((noise, r) => noise * (1 - r.confidence), 1)),
      controlPlaneUp,
      summary: linkSummary({ label: subject.label, kind, lossPct, addedDelayMs, downRounds, controlPlaneUp }),
      evidenceRoutes: [...new Set([...rounds].reverse().flatMap((r) => r.evidence))].slice(0, maxEvidenceRoutes),
    };
  }
}

interface RoundContext {
  input: LinkRoundInput;
  n: number;
  topology: LinkSubjects;
  linkEstimates: Map<string, LinkEstimate>;
  groupEstimates: Map<string, LinkEstimate>;
  groups: Map<string, IncidentGroup>;
}

function newTrack(subjectKey: string, groupId: string | null, memberKeys: readonly string[]): Track {
  return {
    subjectKey,
    groupId,
    memberKeys: [...memberKeys].sort(),
    streak: [],
    streakLength: 0,
    streakNoise: 1,
    history: [],
    incident: null,
    recent: [],
    healthy: [],
    directions: new Map(),
    orientation: memberKeys[0] ?? '',
    roundsSinceChange: 0,
    downRun: 0,
  };
}

function unitOption(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new IncidentError('invalid-input', `incidents.LinkIncidentEvaluator: ${name} is ${value}; expected a number from 0 to 1`);
  }
  return value;
}

function checkInput(input: LinkRoundInput, lastAtMs: number): void {
  const where = 'incidents.LinkIncidentEvaluator.evaluate';
  if (!Number.isFinite(input.atMs)) throw new IncidentError('invalid-input', `${where}: atMs is ${input.atMs}; expected epoch milliseconds`);
  if (input.atMs < lastAtMs) throw new IncidentError('invalid-input', `${where}: atMs ${input.atMs} is before the previous round's ${lastAtMs}; expected rounds in time order`);
  if (!Number.isInteger(input.hysteresisRounds) || input.hysteresisRounds < 1) {
    throw new IncidentError('invalid-input', `${where}: hysteresisRounds is ${input.hysteresisRounds}; expected an integer of 1 or more`);
  }
  for (const field of ['lossPct', 'addedDelayMs'] as const) {
    const value = input.thresholds[field];
    if (!Number.isFinite(value) || value < 0) throw new IncidentError('invalid-input', `${where}: thresholds.${field} is ${value}; expected a finite number of 0 or more`);
  }
  if (input.thresholds.lossPct >= 100) throw new IncidentError('invalid-input', `${where}: thresholds.lossPct is ${input.thresholds.lossPct}; expected less than 100 (nothing could breach it)`);
  for (const estimate of input.estimates) {
    const name = estimate.subject.kind === 'link' ? `link ${estimate.subject.linkKey}` : `group ${estimate.subject.groupId}`;
    const bad = (field: string, value: unknown, expected: string) => new IncidentError('invalid-input', `${where}: the estimate of ${name} has ${field} ${String(value)}; expected ${expected}`);
    if (!(estimate.lossRatio >= 0 && estimate.lossRatio <= 1)) throw bad('lossRatio', estimate.lossRatio, 'a ratio from 0 to 1');
    if (!(estimate.addedDelayMs >= 0) || !Number.isFinite(estimate.addedDelayMs)) throw bad('addedDelayMs', estimate.addedDelayMs, 'a finite delay of 0 ms or more');
    if (!(estimate.confidence >= 0 && estimate.confidence <= 1)) throw bad('confidence', estimate.confidence, 'a number from 0 to 1');
  }
}
