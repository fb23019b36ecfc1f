/**
 * How incidents read: figures rounded for people ("20 %", "0.35 %", "+3.0 ms", never "21.0000001"),
 * ranges, and the one-line summaries tickets, mails and the dashboard quote. Kept apart from the state
 * machines so the wording is in one place and the evaluators only decide.
 */
import type { IncidentKind } from './incident.js';

/** A loss percentage for people: one decimal, two significant digits below 1 %, no trailing `.0`. */
export function formatPct(value: number): string {
  if (value !== 0 && Math.abs(value) < 1) return String(Number(value.toPrecision(2)));
  return String(Math.round(value * 10) / 10);
}

/** A delay for people: one decimal (`3.0`), two below 0.1 ms. */
export function formatMs(value: number): string {
  return Math.abs(value) < 0.1 && value !== 0 ? value.toFixed(2) : value.toFixed(1);
}

/** `18.2–21.5`, or one figure when every value rounds to it. */
export function formatRange(values: readonly number[], format: (value: number) => string): string {
  const low = format(Math.min(...values));
  const high = format(Math.max(...values));
  return low === high ? low : `${low}–${high}`;
}

/** `3 rounds`, `1 round`. */
export function roundsText(count: number): string {
  return `${count} round${count === 1 ? '' : 's'}`;
}

/** Stored figures keep three decimals: enough for any view, and no float dust in JSON. */
export function tidy(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export interface SummaryFigures {
  label: string;
  kind: IncidentKind;
  lossPct: number | null;
  addedDelayMs: number | null;
  /** Rounds in a row the subject has dropped everything (for `down`); 0 when not known. */
  downRounds: number;
  controlPlaneUp: boolean | null;
}

/**
 * "R4→R6: 100 % loss for 3 rounds (data plane down, control plane up)", "R2↔R4: +10.1 ms one-way
 * delay", "R2→R5: 20 % loss, +3.0 ms".
 */
export function linkSummary(f: SummaryFigures): string {
  if (f.kind === 'down') {
    const loss = `${formatPct(f.lossPct ?? 100)} % loss${f.downRounds > 0 ? ` for ${roundsText(f.downRounds)}` : ''}`;
    const plane = f.controlPlaneUp === true ? ' (data plane down, control plane up)' : f.controlPlaneUp === false ? ' (down, withdrawn by the control plane)' : '';
    return `${f.label}: ${loss}${plane}`;
  }
  if (f.kind === 'loss') {
    const delay = f.addedDelayMs === null ? '' : `, +${formatMs(f.addedDelayMs)} ms`;
    return `${f.label}: ${formatPct(f.lossPct ?? 0)} % loss${delay}`;
  }
  return `${f.label}: +${formatMs(f.addedDelayMs ?? 0)} ms one-way delay`;
}
