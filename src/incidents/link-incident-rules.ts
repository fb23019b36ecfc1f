/**
 * The judgements a link incident makes on a window of rounds, apart from the bookkeeping of the
 * evaluator: which directions to blame at opening, which kind the rounds add up to, whether a change is
 * material enough to tell anyone, and the wording of each change's reason (the path evaluator's wording,
 * so a link's ticket and a path's read alike).
 */
import type { IncidentChange, IncidentKind, IncidentRecord, IncidentSubject } from './incident.js';
import { formatMs, formatPct, formatRange, roundsText, tidy } from './incident-format.js';
import { downLossPct, type LinkThresholds, type SubjectRound } from './link-round.js';

/** The subjects link incidents are keyed to. */
export type LinkOrGroupSubject = Exclude<IncidentSubject, { kind: 'path' }>;

/** What an incident says at one moment: the fields an update may change. */
export interface IncidentFigures {
  subject: LinkOrGroupSubject;
  kind: IncidentKind;
  lossPct: number | null;
  addedDelayMs: number | null;
  confidence: number;
  controlPlaneUp: boolean | null;
  summary: string;
  evidenceRoutes: string[];
}

export interface UpdateContext {
  thresholds: LinkThresholds;
  n: number;
  /** The last N breaching rounds. */
  recent: readonly SubjectRound[];
  /** `R4→R6` for a directed key. */
  labelOf: (key: string) => string;
}

/**
 * The directions blamed at opening: those that breached in every deciding round; when the estimator
 * wavered between them, those that breached most often (both, on a tie: it could not tell).
 */
export function faultyAtOpen(deciding: readonly SubjectRound[], memberKeys: readonly string[]): string[] {
  const counts = memberKeys.map((key) => ({ key, count: deciding.filter((r) => r.breachedKeys.includes(key)).length }));
  const most = Math.max(...counts.map((c) => c.count));
  // Sorted by count, then by key, so the most-blamed direction names the label.
  return counts
    .filter((c) => c.count === most || c.count === deciding.length)
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((c) => c.key);
}

/** down: every round down, or loss ≥ 99.5 %; else loss if the mean loss breaches; else delay; a mixed streak takes its commonest kind. */
export function kindOf(rounds: readonly SubjectRound[], meanLoss: number, meanDelay: number, thresholds: LinkThresholds): IncidentKind {
  if (rounds.every((r) => r.down) || meanLoss >= downLossPct) return 'down';
  if (meanLoss > thresholds.lossPct) return 'loss';
  if (meanDelay > thresholds.addedDelayMs) return 'delay';
  const lossy = rounds.filter((r) => r.lossBreached).length;
  return lossy * 2 >= rounds.length ? 'loss' : 'delay';
}

export function updateReasons(incident: IncidentRecord, desired: IncidentFigures, context: UpdateContext): string[] {
  const { thresholds } = context;
  const reasons: string[] = [];
  if (incident.subject.kind === 'link' && desired.subject.kind === 'link') {
    const before = new Set(incident.subject.linkKeys);
    const after = new Set(desired.subject.linkKeys);
    const added = [...after].filter((key) => !before.has(key));
    const dropped = [...before].filter((key) => !after.has(key));
    const n = context.n;
    const moves = [...added.map((key) => `${context.labelOf(key)} has breached for ${roundsText(n)}`), ...dropped.map((key) => `${context.labelOf(key)} has been healthy for ${roundsText(n)}`)];
    if (moves.length > 0) {
      const now = desired.subject.direction === 'both' ? 'both directions are at fault' : `only ${desired.subject.label} is at fault`;
      reasons.push(`${moves.join(' and ')}: ${now}`);
    }
  }
  // Like a path's state, kind and figure change only when every one of the last N breaching rounds says so:
  // one outlier inside the window moves the mean, but not the verdict.
  const rounds = context.recent;
  if (desired.kind !== incident.kind && rounds.every((r) => roundKind(r) !== incident.kind)) {
    reasons.push(`${incident.kind} → ${desired.kind}: ${desired.summary.slice(desired.subject.label.length + 2)}`);
  } else if (
    desired.kind === incident.kind &&
    desired.kind === 'loss' &&
    movedEveryRound(
      incident.lossPct,
      rounds.map((r) => r.lossPct),
      thresholds.lossPct,
    )
  ) {
    reasons.push(`estimate ${desired.lossPct! > (incident.lossPct ?? 0) ? 'rose' : 'fell'} from ${formatPct(incident.lossPct ?? 0)} % to ${formatPct(desired.lossPct!)} % loss`);
  } else if (
    desired.kind === incident.kind &&
    desired.kind === 'delay' &&
    movedEveryRound(
      incident.addedDelayMs,
      rounds.map((r) => r.addedDelayMs),
      thresholds.addedDelayMs,
    )
  ) {
    reasons.push(`estimate ${desired.addedDelayMs! > (incident.addedDelayMs ?? 0) ? 'rose' : 'fell'} from +${formatMs(incident.addedDelayMs ?? 0)} ms to +${formatMs(desired.addedDelayMs!)} ms`);
  }
  return reasons;
}

/**
 * Material: every round moved, the same way, by more than half of what was reported and by more than
 * the threshold.
 */
export function movedEveryRound(before: number | null, rounds: readonly number[], threshold: number): boolean {
  const from = before ?? 0;
  const material = (to: number) => Math.abs(to - from) > 0.5 * from && Math.abs(to - from) > threshold;
  return rounds.length > 0 && rounds.every(material) && (rounds.every((to) => to > from) || rounds.every((to) => to < from));
}

/** One round's kind, as kindOf judges a whole window. */
export function roundKind(round: SubjectRound): IncidentKind {
  if (round.down || round.lossPct >= downLossPct) return 'down';
  return round.lossBreached ? 'loss' : 'delay';
}

export function resolution(incident: IncidentRecord, atMs: number, reason: string): IncidentChange {
  const resolved: IncidentRecord = { ...incident, state: 'resolved', updatedAtMs: atMs, resolvedAtMs: atMs };
  return { change: 'resolved', incident: resolved, previous: incident, reason };
}

/** The path wording: "100 % loss for 3 rounds", "loss 18–22 % > 5 % in 3 of 3 rounds; added delay …". */
export function breachReason(rounds: readonly SubjectRound[], thresholds: LinkThresholds, n: number): string {
  if (rounds.every((r) => r.down)) return `100 % loss for ${roundsText(rounds.length)}`;
  const parts: string[] = [];
  const lossy = rounds.filter((r) => r.lossBreached);
  const delayed = rounds.filter((r) => r.delayBreached);
  if (lossy.length > 0)
    parts.push(
      `loss ${formatRange(
        lossy.map((r) => r.lossPct),
        formatPct,
      )} % > ${formatPct(thresholds.lossPct)} % in ${lossy.length} of ${n} rounds`,
    );
  if (delayed.length > 0)
    parts.push(
      `added delay ${formatRange(
        delayed.map((r) => r.addedDelayMs),
        formatMs,
      )} ms > ${formatMs(thresholds.addedDelayMs)} ms in ${delayed.length} of ${n} rounds`,
    );
  return parts.join('; ');
}

export function healthyReason(rounds: readonly SubjectRound[], thresholds: LinkThresholds): string {
  const worstLoss = Math.max(...rounds.map((r) => r.lossPct));
  const worstDelay = Math.max(...rounds.map((r) => r.addedDelayMs));
  return `within thresholds for ${roundsText(rounds.length)}: loss up to ${formatPct(worstLoss)} % ≤ ${formatPct(thresholds.lossPct)} %, added delay up to ${formatMs(worstDelay)} ms ≤ ${formatMs(thresholds.addedDelayMs)} ms`;
}

export function roundEntry(r: SubjectRound): IncidentRecord['rounds'][number] {
  return { atMs: r.atMs, lossPct: tidy(r.lossPct), addedDelayMs: tidy(r.addedDelayMs), confidence: tidy(r.confidence) };
}

/** A stored round brought back by resume: enough to keep `rounds` continuous. */
export function resumedRound(r: IncidentRecord['rounds'][number]): SubjectRound {
  return {
    atMs: r.atMs,
    cls: 'unsure',
    lossPct: r.lossPct,
    addedDelayMs: r.addedDelayMs,
    confidence: r.confidence,
    down: r.lossPct >= 100,
    lossBreached: false,
    delayBreached: false,
    breachedKeys: [],
    directions: new Map(),
    evidence: [],
  };
}

export function countTrailing<T>(items: readonly T[], test: (item: T) => boolean): number {
  let count = 0;
  for (let i = items.length - 1; i >= 0 && test(items[i]!); i--) count++;
  return count;
}

export function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
