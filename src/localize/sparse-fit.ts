/**
 * Sparse non-negative least squares over a round's routing matrix: find the few subjects whose values
 * θ ≥ 0 explain the routes' targets (−ln of the success ratio for loss, p50 over baseline for delay),
 * minimising Σ_w W_w (y_w − Σ_s m(w,s) θ_s)².
 *
 * Faults are few, so instead of solving for every link at once (plain least squares smears a fault over
 * every link its routes share, and NetBouncer's regulariser only partly undoes that) the fit is greedy,
 * in the manner of orthogonal matching pursuit: add the subject that best explains what is still
 * unexplained, refit NNLS on the chosen few, stop when the best candidate explains no more than noise.
 * The parsimonious answer is both more precise (a neighbour sharing half the evidence is not blamed)
 * and cheaper (one sparse pass per fault, a k×k solve with k the number of faults).
 *
 * The caller decides what "noise" means (a Poisson test for loss, the baseline spread for delay) and
 * prunes with `refit` on a smaller set.
 */
import type { RouteMatrix } from './route-matrix.js';

export interface SparseFitOptions {
  /** A subject enters only if its one-subject estimate reaches this. */
  minValue: number;
  /** ...and it explains at least this much weighted squared residual (a χ²-like gain). */
  minGain: number;
  /** At most this many subjects are chosen. */
  maxTerms: number;
}

export class SparseFit {
  /** Per subject: its fitted value (0 unless chosen). */
  readonly values: Float64Array;
  /** Per row: target minus the fit. */
  readonly residual: Float64Array;
  /** Per subject: Σ_w W_w m(w,s)² over included rows (the one-subject normal equation's left side). */
  readonly denominator: Float64Array;
  chosen: number[] = [];

  private readonly interesting: Int32Array;
  private interestingCount = 0;
  private readonly isInteresting: Uint8Array;
  private touchedRows: number[] = [];
  private readonly rowStamp: Int32Array;
  private stamp = 0;

  constructor(
    readonly matrix: RouteMatrix,
    /** Per row: 0 excludes the row from the fit. */
    readonly weight: Float64Array,
    readonly target: Float64Array,
  ) {
    const rows = matrix.rows.length;
    const subjects = matrix.subjects.length;
    this.values = new Float64Array(subjects);
    this.residual = new Float64Array(rows);
    this.denominator = new Float64Array(subjects);
    this.interesting = new Int32Array(rows);
    this.isInteresting = new Uint8Array(rows);
    this.rowStamp = new Int32Array(rows);
    const { rowStart, rowCol, rowMult } = matrix;
    for (let r = 0; r < rows; r++) {
      const w = weight[r]!;
      if (w === 0) continue;
      this.residual[r] = target[r]!;
      if (target[r] !== 0) this.markInteresting(r);
      for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) {
        const m = rowMult[e]!;
        this.denominator[rowCol[e]!]! += w * m * m;
      }
    }
  }

  /**
   * Per subject: Σ_w W_w m(w,s) r_w, the one-subject normal equation's right side. Computed in one pass
   * over the rows with something unexplained, then kept current by refit() from the rows it changes,
   * so each further fault costs only its own routes, not another pass over the round.
   */
  private numerator: Float64Array | null = null;

  /** Call after changing weights: the kept numerator no longer matches them. */
  weightsChanged(): void {
    this.numerator = null;
  }

  /** Greedy forward selection until no candidate clears the options' bars. */
  forward(options: SparseFitOptions): void {
    const subjects = this.matrix.subjects.length;
    const isChosen = new Uint8Array(subjects);
    for (const s of this.chosen) isChosen[s] = 1;
    const { rowStart, rowCol, rowMult } = this.matrix;
    if (this.numerator === null) {
      const numerator = new Float64Array(subjects);
      for (let i = 0; i < this.interestingCount; i++) {
        const r = this.interesting[i]!;
        const wr = this.weight[r]! * this.residual[r]!;
        if (wr === 0) continue;
        for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) numerator[rowCol[e]!]! += wr * rowMult[e]!;
      }
      this.numerator = numerator;
    }
    const numerator = this.numerator;
    while (this.chosen.length < options.maxTerms) {
      let best = -1;
      let bestGain = options.minGain;
      for (let s = 0; s < subjects; s++) {
        const num = numerator[s]!;
        if (num <= 0 || isChosen[s]) continue;
        const den = this.denominator[s]!;
        if (den <= 0 || num / den < options.minValue) continue;
        const gain = (num * num) / den;
        if (gain > bestGain) {
          bestGain = gain;
          best = s;
        }
      }
      if (best < 0) break;
      isChosen[best] = 1;
      this.refit([...this.chosen, best]);
    }
  }

  /** NNLS on exactly these subjects (others are set to 0); residuals follow. */
  refit(set: readonly number[]): void {
    const { rowStart, rowCol, rowMult, colStart, colRow } = this.matrix;
    // Rows the previous fit touched go back to their targets first (the numerator follows each change).
    for (const r of this.touchedRows) this.setResidual(r, this.target[r]!);
    for (const s of this.chosen) this.values[s] = 0;
    this.chosen = [...set];
    const k = set.length;
    if (k === 0) {
      this.touchedRows = [];
      return;
    }
    const position = new Map<number, number>();
    set.forEach((s, i) => position.set(s, i));
    const gram = new Float64Array(k * k);
    const rhs = new Float64Array(k);
    const touched: number[] = [];
    this.stamp++;
    const entries: number[] = [];
    const mults: number[] = [];
    for (const s of set) {
      for (let e = colStart[s]!; e < colStart[s + 1]!; e++) {
        const r = colRow[e]!;
        if (this.rowStamp[r] === this.stamp || this.weight[r] === 0) continue;
        this.rowStamp[r] = this.stamp;
        touched.push(r);
        entries.length = 0;
        mults.length = 0;
        for (let f = rowStart[r]!; f < rowStart[r + 1]!; f++) {
          const i = position.get(rowCol[f]!);
          if (i === undefined) continue;
          entries.push(i);
          mults.push(rowMult[f]!);
        }
        const w = this.weight[r]!;
        for (let a = 0; a < entries.length; a++) {
          rhs[entries[a]!]! += w * mults[a]! * this.target[r]!;
          for (let b = 0; b < entries.length; b++) gram[entries[a]! * k + entries[b]!]! += w * mults[a]! * mults[b]!;
        }
      }
    }
    const theta = nonNegativeQuadratic(gram, rhs, k);
    set.forEach((s, i) => (this.values[s] = theta[i]!));
    for (const r of touched) {
      let fit = 0;
      for (let f = rowStart[r]!; f < rowStart[r + 1]!; f++) fit += rowMult[f]! * this.values[rowCol[f]!]!;
      this.setResidual(r, this.target[r]! - fit);
      this.markInteresting(r);
    }
    this.touchedRows = touched;
  }

  /** Row r's target minus the fit of every chosen subject except `subject`: what is left for it to explain. */
  leftFor(r: number, subject: number): number {
    const { rowStart, rowCol, rowMult } = this.matrix;
    let fit = 0;
    for (let f = rowStart[r]!; f < rowStart[r + 1]!; f++) {
      const s = rowCol[f]!;
      if (s !== subject) fit += rowMult[f]! * this.values[s]!;
    }
    return this.target[r]! - fit;
  }

  private setResidual(r: number, value: number): void {
    const change = value - this.residual[r]!;
    if (change === 0) return;
    this.residual[r] = value;
    const numerator = this.numerator;
    if (numerator === null) return;
    const { rowStart, rowCol, rowMult } = this.matrix;
    const wc = this.weight[r]! * change;
    for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) numerator[rowCol[e]!]! += wc * rowMult[e]!;
  }

  private markInteresting(r: number): void {
    if (this.isInteresting[r]) return;
    this.isInteresting[r] = 1;
    this.interesting[this.interestingCount++] = r;
  }
}

/**
 * min θᵀGθ − 2bᵀθ subject to θ ≥ 0, by projected coordinate descent: k is the number of faults (a
 * handful), so a few hundred O(k²) sweeps cost microseconds and need no factorisation.
 */
export function nonNegativeQuadratic(gram: Float64Array, rhs: Float64Array, k: number): Float64Array {
  const theta = new Float64Array(k);
  for (let sweep = 0; sweep < 2000; sweep++) {
    let largestStep = 0;
    let largestValue = 0;
    for (let i = 0; i < k; i++) {
      const diagonal = gram[i * k + i]!;
      if (diagonal <= 0) continue;
      let g = rhs[i]!;
      for (let j = 0; j < k; j++) g -= gram[i * k + j]! * theta[j]!;
      const next = Math.max(0, theta[i]! + g / diagonal);
      largestStep = Math.max(largestStep, Math.abs(next - theta[i]!));
      theta[i] = next;
      largestValue = Math.max(largestValue, next);
    }
    if (largestStep <= 1e-12 * (1 + largestValue)) break;
  }
  return theta;
}
