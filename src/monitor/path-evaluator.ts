/**
 * The path state machine with hysteresis, as pure functions: a path's evaluation state and one round in,
 * the next evaluation state and at most one transition out. No clock, no I/O, so every rule is tested
 * on plain data.
 *
 * Rules (N = hysteresisRounds):
 * - A path changes state only after N rounds in a row all worse, or all better, than its state. Worse
 *   moves it to the mildest of those N verdicts (every one of them was at least that bad); better moves
 *   it to the worst of them (none was worse). A round that matches the state, or is on the other side,
 *   starts the count again. So DOWN needs N rounds of 100 % loss, and recovery needs N good rounds.
 * - A new path, or one the topology brought back, has no state to hold against: its first N rounds
 *   decide it, again as the mildest of them, so a lost first probe (ARP on a cold path) raises nothing.
 * - GONE is immediate on a plan change: the path does not exist, waiting would only delay the truth.
 * The transition's evidence is the N deciding rounds, which tickets and mails quote.
 */
import type { Thresholds } from '../config/index.js';
import type { RoundResultRecord, TransitionRecord } from '../store/records.js';
import { stateSeverity, type PathStateName } from './path-state.js';
import { roundVerdict, type VerdictDetail } from './round-verdict.js';

export interface PathEvaluation {
  pathId: string;
  /** The state last decided; null for a path never decided yet. */
  state: PathStateName | null;
  sinceMs: number | null;
  /** True until the first N rounds (after creation or return from GONE) have decided the state. */
  deciding: boolean;
  /** The current run of rounds on one side of the state, oldest first; at most N-1 between calls. */
  streak: { side: 'worse' | 'better' | 'deciding'; rounds: RoundResultRecord[]; verdicts: VerdictDetail[] };
}

export interface EvaluationSettings {
  hysteresisRounds: number;
  thresholds: Thresholds;
}

export function newPathEvaluation(pathId: string): PathEvaluation {
  return { pathId, state: null, sinceMs: null, deciding: true, streak: { side: 'deciding', rounds: [], verdicts: [] } };
}

/** A path resumed from the store (restart): its state holds, the next rounds are judged against it. */
export function resumedPathEvaluation(pathId: string, state: PathStateName, sinceMs: number): PathEvaluation {
  if (state === 'GONE') return { ...newPathEvaluation(pathId), state, sinceMs };
  return { pathId, state, sinceMs, deciding: false, streak: { side: 'worse', rounds: [], verdicts: [] } };
}

export function evaluateRound(current: PathEvaluation, round: RoundResultRecord, settings: EvaluationSettings): { next: PathEvaluation; transition: TransitionRecord | null } {
  const detail = roundVerdict(round, settings.thresholds);
  const n = settings.hysteresisRounds;
  const side = current.deciding ? 'deciding' : sideOf(detail.verdict, current.state!);
  if (side === null) return { next: { ...current, streak: { side: 'worse', rounds: [], verdicts: [] } }, transition: null };

  const continues = current.streak.side === side;
  const rounds = [...(continues ? current.streak.rounds : []), round].slice(-n);
  const verdicts = [...(continues ? current.streak.verdicts : []), detail].slice(-n);
  if (rounds.length < n) return { next: { ...current, streak: { side, rounds, verdicts } }, transition: null };

  const severities = verdicts.map((v) => stateSeverity[v.verdict]);
  const targetSeverity = side === 'better' ? Math.max(...severities) : Math.min(...severities);
  const to = verdicts.find((v) => stateSeverity[v.verdict] === targetSeverity)!.verdict;
  const next: PathEvaluation = { pathId: current.pathId, state: to, sinceMs: round.roundAtMs, deciding: false, streak: { side: 'worse', rounds: [], verdicts: [] } };
  if (to === current.state) return { next, transition: null };
  return {
    next,
    transition: {
      pathId: current.pathId,
      atMs: round.roundAtMs,
      from: current.state,
      to,
      reason: reasonFor(to, rounds, verdicts, settings),
      evidence: { rounds, thresholds: { ...settings.thresholds }, hysteresisRounds: n },
    },
  };
}

/** The topology removed the path: GONE at once (no transition if it already was). */
export function pathGone(current: PathEvaluation, atMs: number, settings: EvaluationSettings): { next: PathEvaluation; transition: TransitionRecord | null } {
  const next: PathEvaluation = { ...newPathEvaluation(current.pathId), state: 'GONE', sinceMs: atMs };
  if (current.state === 'GONE') return { next: { ...next, sinceMs: current.sinceMs }, transition: null };
  return {
    next,
    transition: {
      pathId: current.pathId,
      atMs,
      from: current.state,
      to: 'GONE',
      reason: 'the topology no longer has this path (a link or node on it was withdrawn)',
      evidence: { rounds: [], thresholds: { ...settings.thresholds }, hysteresisRounds: settings.hysteresisRounds },
    },
  };
}

/** The topology has the path again: it stays GONE until its next N rounds decide its state. */
export function pathReturned(current: PathEvaluation): PathEvaluation {
  return { ...newPathEvaluation(current.pathId), state: current.state, sinceMs: current.sinceMs };
}

function sideOf(verdict: PathStateName, state: PathStateName): 'worse' | 'better' | null {
  const difference = stateSeverity[verdict] - stateSeverity[state];
  return difference > 0 ? 'worse' : difference < 0 ? 'better' : null;
}

/**
 * The transition's reason, in which every comparison is true of the rounds it describes. A state is
 * decided by N rounds that need not agree (a new path is the mildest of its first N; a path leaving DOWN
 * the worst of N better ones), so rounds within thresholds and rounds beyond them are described apart:
 * "p50 RTT up to 21.01 ms ≤ 15 ms" is what one sentence over all of them would say.
 */
function reasonFor(to: PathStateName, rounds: RoundResultRecord[], verdicts: VerdictDetail[], settings: EvaluationSettings): string {
  const n = rounds.length;
  const { delayMs, lossPct } = settings.thresholds;
  const forRounds = `for ${n} round${n === 1 ? '' : 's'}`;
  if (to === 'DOWN') return `100 % loss ${forRounds}`;
  const within = rounds.filter((_, i) => verdicts[i]!.verdict === 'UP');
  const delayed = rounds.filter((_, i) => verdicts[i]!.delayBreached);
  const lossy = rounds.filter((_, i) => verdicts[i]!.lossBreached);
  const inRounds = (count: number) => `in ${count} of ${n} rounds`;
  const breaches: string[] = [];
  if (delayed.length > 0)
    breaches.push(
      `p50 RTT ${compared(
        delayed.map((r) => r.rttP50Ms!),
        '>',
        delayMs,
        'ms',
      )} ${inRounds(delayed.length)}`,
    );
  if (lossy.length > 0)
    breaches.push(
      `loss ${compared(
        lossy.map((r) => r.lossPct),
        '>',
        lossPct,
        '%',
      )} ${inRounds(lossy.length)}`,
    );
  if (to === 'UP' && within.length === n) return `within thresholds ${forRounds}: ${withinText(within, settings)}`;
  if (to === 'UP') {
    // Deciding a new path: the mildest of its first N rounds, some of which breached.
    return `UP as the mildest of the first ${n} rounds: within thresholds ${inRounds(within.length)} (${withinText(within, settings)}); ${breaches.join('; ')}`;
  }
  const good = within.length > 0 ? `; within thresholds ${inRounds(within.length)}` : '';
  return `${breaches.join('; ')}${good}`;
}

/** "p50 RTT 3.1–4.2 ms ≤ 15 ms, loss 0 % ≤ 5 %" over rounds that were all within thresholds. */
function withinText(rounds: RoundResultRecord[], settings: EvaluationSettings): string {
  const p50s = rounds.map((r) => r.rttP50Ms).filter((v): v is number => v !== null);
  const parts = p50s.length > 0 ? [`p50 RTT ${compared(p50s, '≤', settings.thresholds.delayMs, 'ms')}`] : [];
  parts.push(
    `loss ${compared(
      rounds.map((r) => r.lossPct),
      '≤',
      settings.thresholds.lossPct,
      '%',
    )}`,
  );
  return parts.join(', ');
}

/**
 * "21.01 ms > 15 ms" or "3–4.2 ms ≤ 15 ms", the numbers rounded to two decimals unless that would make
 * the comparison read false (15.004 > 15 shown as "15 > 15"): then with as many more as it takes.
 */
function compared(values: number[], op: '>' | '≤', threshold: number, unit: 'ms' | '%'): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  let digits = 2;
  while (digits < 12 && op === '>' && round(low, digits) <= round(threshold, digits)) digits += 1;
  const shown = low === high || round(low, digits) === round(high, digits) ? fmt(low, digits) : `${fmt(low, digits)}–${fmt(high, digits)}`;
  return `${shown} ${unit} ${op} ${fmt(threshold, Math.max(2, digits))} ${unit}`;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function fmt(value: number, digits = 2): string {
  return String(round(value, digits));
}
