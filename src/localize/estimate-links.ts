/**
 * Per-link estimation for one round: from what each route (cover walk or user path) measured, which
 * directed links (or link groups) lose packets, how many, and how much delay they add, with a
 * confidence. Pure: the same observations always give the same estimates.
 *
 * Three steps over one compiled routing matrix (route-matrix.ts):
 *  1. Total loss, as boolean tomography (down-links.ts). Routes it explains leave the other fits.
 *  2. Partial loss: y_w = received/sent = Π x_l^m(w,l), so −ln y_w = Σ m(w,l) θ_l with θ_l = −ln x_l.
 *     The target uses a continuity correction (y = (received + ½)/(sent + ½): a clean route is exactly
 *     0, a silent one finite), weights are the inverse binomial variance of −ln y (delta method), and
 *     the fit is the sparse greedy NNLS of sparse-fit.ts. Every chosen link must then pass a Poisson
 *     test: are the probes lost on its routes (beyond what other chosen links explain) more than the
 *     round's own background loss, measured on the routes no chosen link touches, explains, after a
 *     Bonferroni correction for the number of subjects? Two reweighting passes at the fitted success
 *     ratios then remove the bias inverse-observed-variance weights have.
 *  3. Delay: (p50 − baseline) = Σ m(w,l) δ_l, δ ≥ 0, the same sparse greedy NNLS, with noise from each
 *     route's baseline spread (MAD of its healthy rounds); a chosen link must clear a z-test and show
 *     on most of the routes that cross it. The lab's and host's fixed costs cancel, because each route
 *     is compared with its own baseline.
 *
 * Healthy subjects come back with zeros. Confidence is the product of three things, each 0..1: the
 * test against noise (1 − the Bonferroni-corrected p-value), how much of its routes' anomaly the
 * subject explains (½ + ½·R² over its routes), and support (1 − ½^(routes + 1)).
 */
import { downLinks } from './down-links.js';
import type { EstimatorOptions, LinkEstimate, LinkEstimates, RouteObservation } from './localize-types.js';
import { normalUpperTail, poissonUpperTail } from './noise-tests.js';
import { compileRouteMatrix, type RouteMatrix } from './route-matrix.js';
import { SparseFit } from './sparse-fit.js';

export const DEFAULT_MIN_LOSS_RATIO = 0.005;
export const DEFAULT_MIN_ADDED_DELAY_MS = 0.5;
/** Family-wise false-blame rate per round the noise tests are corrected to. */
const ALPHA = 0.01;
/** Background loss per crossing assumed at least, so a round with no loss at all still has a scale. */
const MIN_BACKGROUND_LOSS_PER_HOP = 1e-6;
/** Noise a route's p50 has at least, ms, and where its spread is not known yet. */
const MIN_DELAY_SIGMA_MS = 0.02;
const UNKNOWN_DELAY_SIGMA_MS = 0.1;
/** MAD to standard deviation for normal noise. */
const MAD_TO_SIGMA = 1.4826;
/** More simultaneous faults than this in one round are not separated (the fit stops adding). */
const MAX_FAULTS = 32;

export function estimateLinks(observations: readonly RouteObservation[], options: EstimatorOptions = {}): LinkEstimates {
  const startedMs = performance.now();
  const minLossRatio = options.minLossRatio ?? DEFAULT_MIN_LOSS_RATIO;
  const minAddedDelayMs = options.minAddedDelayMs ?? DEFAULT_MIN_ADDED_DELAY_MS;
  const matrix = compileRouteMatrix(observations, options.groups ?? [], options.routeIndex);
  const subjects = matrix.subjects.length;
  const tests = Math.max(1, subjects);

  const total = downLinks(matrix);
  const loss = fitLoss(matrix, total.explained, minLossRatio, tests);
  const delay = fitDelay(matrix, total.explained, minAddedDelayMs, tests);

  const { rows, colStart, colRow } = matrix;
  const estimates: LinkEstimate[] = new Array(subjects);
  for (let s = 0; s < subjects; s++) {
    const support = colStart[s + 1]! - colStart[s]!;
    const supportFactor = 1 - 0.5 ** (support + 1);
    const isDown = total.down[s] === 1;
    const lossRatio = isDown ? 1 : loss.ratio[s]!;
    const addedDelayMs = delay.value[s]!;
    let confidence = 0;
    let evidence: string[] = [];
    if (isDown || lossRatio > 0 || addedDelayMs > 0) {
      const evidenceRows = new Set<number>();
      if (isDown) {
        let silentProbes = 0;
        for (let e = colStart[s]!; e < colStart[s + 1]!; e++) {
          evidenceRows.add(colRow[e]!);
          silentProbes += rows[colRow[e]!]!.sent;
        }
        confidence = (1 - 0.5 ** silentProbes) * supportFactor;
      }
      if (!isDown && lossRatio > 0) {
        for (const r of loss.evidence.get(s) ?? []) evidenceRows.add(r);
        confidence = Math.max(confidence, loss.significance[s]! * (0.5 + 0.5 * loss.explained[s]!) * supportFactor);
      }
      if (addedDelayMs > 0) {
        for (const r of delay.evidence.get(s) ?? []) evidenceRows.add(r);
        confidence = Math.max(confidence, delay.significance[s]! * (0.5 + 0.5 * delay.explained[s]!) * supportFactor);
      }
      evidence = [...evidenceRows].sort((a, b) => a - b).map((r) => rows[r]!.id);
    }
    estimates[s] = { subject: matrix.subjects[s]!, lossRatio, down: isDown, addedDelayMs, confidence, support, evidence };
  }
  return { estimates, skipped: matrix.skipped, computeMs: performance.now() - startedMs };
}

interface SubjectFit {
  /** Per subject: the blamed value (0 when healthy). */
  significance: Float64Array;
  explained: Float64Array;
  evidence: Map<number, number[]>;
}

function fitLoss(matrix: RouteMatrix, explained: Uint8Array, minLossRatio: number, tests: number): SubjectFit & { ratio: Float64Array } {
  const { rows, colStart, colRow, rowHops } = matrix;
  const count = rows.length;
  const subjects = matrix.subjects.length;
  const target = new Float64Array(count);
  const weight = new Float64Array(count);
  const lost = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    if (explained[r]) continue;
    const { sent, received } = rows[r]!;
    lost[r] = sent - received;
    target[r] = received === sent ? 0 : -Math.log((received + 0.5) / (sent + 0.5));
    weight[r] = ((received + 0.5) * sent) / (sent - received + 0.5);
  }
  const fit = new SparseFit(matrix, weight, target);
  const minTheta = -Math.log(1 - minLossRatio);
  fit.forward({ minValue: minTheta, minGain: 2, maxTerms: MAX_FAULTS });

  const significance = new Float64Array(subjects);
  const explainedShare = new Float64Array(subjects);
  const evidence = new Map<number, number[]>();
  const pValue = (s: number, background: number): number => {
    let lostHere = 0;
    let expected = 0;
    for (let e = colStart[s]!; e < colStart[s + 1]!; e++) {
      const r = colRow[e]!;
      if (weight[r] === 0) continue;
      const sent = rows[r]!.sent;
      // Losses other chosen subjects account for on this row.
      const byOthers = sent * (1 - Math.exp(-(target[r]! - fit.leftFor(r, s))));
      lostHere += Math.max(0, lost[r]! - byOthers);
      expected += sent * (1 - Math.exp(-background * rowHops[r]!));
    }
    return poissonUpperTail(Math.round(lostHere), expected);
  };

  // Backward: drop the least significant chosen subject until every one passes.
  for (;;) {
    reweight(fit, rows, weight, explained);
    const background = backgroundLossPerHop(matrix, fit, weight, lost);
    let worst = -1;
    let worstP = 0;
    for (const s of fit.chosen) {
      const p = fit.values[s]! < minTheta ? 1 : pValue(s, background);
      if (p * tests > ALPHA && p >= worstP) {
        worst = s;
        worstP = p;
      }
    }
    if (worst < 0) {
      for (const s of fit.chosen) significance[s] = 1 - Math.min(1, pValue(s, background) * tests);
      break;
    }
    fit.refit(fit.chosen.filter((s) => s !== worst));
  }

  const ratio = new Float64Array(subjects);
  for (const s of fit.chosen) {
    if (fit.values[s]! < minTheta) continue;
    ratio[s] = 1 - Math.exp(-fit.values[s]!);
    explainedShare[s] = shareExplained(fit, weight, s);
    const list: number[] = [];
    for (let e = colStart[s]!; e < colStart[s + 1]!; e++) if (weight[colRow[e]!]! > 0 && lost[colRow[e]!]! > 0) list.push(colRow[e]!);
    evidence.set(s, list);
  }
  return { ratio, significance, explained: explainedShare, evidence };
}

/**
 * Inverse-observed-variance weights favour routes that happened to lose less; once the chosen subjects
 * are known, weight each route by the variance at its fitted success ratio instead (two IRLS passes).
 */
function reweight(fit: SparseFit, rows: RouteObservation[], weight: Float64Array, explained: Uint8Array): void {
  if (fit.chosen.length === 0) return;
  const { colStart, colRow } = fit.matrix;
  fit.weightsChanged();
  for (let pass = 0; pass < 2; pass++) {
    const seen = new Set<number>();
    for (const s of fit.chosen) {
      for (let e = colStart[s]!; e < colStart[s + 1]!; e++) {
        const r = colRow[e]!;
        if (explained[r] || seen.has(r)) continue;
        seen.add(r);
        const { sent } = rows[r]!;
        const success = Math.min(Math.exp(-(fit.target[r]! - fit.residual[r]!)), sent / (sent + 0.5));
        weight[r] = (sent * success) / Math.max(1 - success, 0.5 / (sent + 0.5));
      }
    }
    fit.refit(fit.chosen);
  }
}

/** Background loss per crossing, pooled over the routes no chosen subject touches. */
function backgroundLossPerHop(matrix: RouteMatrix, fit: SparseFit, weight: Float64Array, lost: Float64Array): number {
  const { rows, rowStart, rowCol, rowHops } = matrix;
  const isChosen = new Uint8Array(matrix.subjects.length);
  for (const s of fit.chosen) isChosen[s] = 1;
  let lostSum = 0;
  let exposure = 0;
  for (let r = 0; r < rows.length; r++) {
    if (weight[r] === 0) continue;
    let touches = false;
    for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) {
      if (isChosen[rowCol[e]!]) {
        touches = true;
        break;
      }
    }
    if (touches) continue;
    lostSum += lost[r]!;
    exposure += rows[r]!.sent * rowHops[r]!;
  }
  return Math.max(MIN_BACKGROUND_LOSS_PER_HOP, exposure > 0 ? lostSum / exposure : 0);
}

/** ½ + ½·R² style share: how much of the weighted squared anomaly on s's routes the fit removes. */
function shareExplained(fit: SparseFit, weight: Float64Array, s: number): number {
  const { colStart, colRow } = fit.matrix;
  let before = 0;
  let after = 0;
  for (let e = colStart[s]!; e < colStart[s + 1]!; e++) {
    const r = colRow[e]!;
    const w = weight[r]!;
    if (w === 0) continue;
    const left = fit.leftFor(r, s);
    before += w * left * left;
    after += w * fit.residual[r]! * fit.residual[r]!;
  }
  return before <= 0 ? 0 : Math.max(0, Math.min(1, (before - after) / before));
}

function fitDelay(matrix: RouteMatrix, explained: Uint8Array, minAddedDelayMs: number, tests: number): SubjectFit & { value: Float64Array } {
  const { rows, colStart, colRow, colMult } = matrix;
  const count = rows.length;
  const subjects = matrix.subjects.length;
  const target = new Float64Array(count);
  const weight = new Float64Array(count);
  const sigma = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    const { rttP50Ms, baselineP50Ms, baselineSpreadMs, received, sent } = rows[r]!;
    if (explained[r] || rttP50Ms === null || baselineP50Ms === null || received === 0) continue;
    let noise = baselineSpreadMs === null || baselineSpreadMs === undefined ? UNKNOWN_DELAY_SIGMA_MS : Math.max(MIN_DELAY_SIGMA_MS, MAD_TO_SIGMA * baselineSpreadMs);
    // A median of few replies wobbles more than the baseline's full rounds did.
    if (received < sent / 2) noise *= Math.sqrt(sent / 2 / received);
    sigma[r] = noise;
    target[r] = rttP50Ms - baselineP50Ms;
    weight[r] = 1 / (noise * noise);
  }
  const zCritical = criticalZ(ALPHA / tests);
  const fit = new SparseFit(matrix, weight, target);
  fit.forward({ minValue: minAddedDelayMs, minGain: Math.min(25, zCritical * zCritical), maxTerms: MAX_FAULTS });

  const significance = new Float64Array(subjects);
  const explainedShare = new Float64Array(subjects);
  const evidence = new Map<number, number[]>();
  const judge = (s: number): { z: number; consistent: boolean; rows: number[] } => {
    const value = fit.values[s]!;
    let information = 0;
    let showing = 0;
    let crossing = 0;
    const showingRows: number[] = [];
    for (let e = colStart[s]!; e < colStart[s + 1]!; e++) {
      const r = colRow[e]!;
      if (weight[r] === 0) continue;
      const m = colMult[e]!;
      information += weight[r]! * m * m;
      crossing++;
      if (fit.leftFor(r, s) >= (value * m) / 2) {
        showing++;
        showingRows.push(r);
      }
    }
    // A fault on a link shows on (nearly) every route crossing it; one route's hiccup does not.
    const consistent = showing >= Math.min(2, crossing) && showing * 3 >= crossing * 2;
    return { z: value * Math.sqrt(information), consistent, rows: showingRows };
  };
  for (;;) {
    let worst = -1;
    let worstZ = Infinity;
    for (const s of fit.chosen) {
      const { z, consistent } = judge(s);
      const passes = fit.values[s]! >= minAddedDelayMs && z >= zCritical && consistent;
      if (!passes && z <= worstZ) {
        worst = s;
        worstZ = z;
      }
    }
    if (worst < 0) break;
    fit.refit(fit.chosen.filter((s) => s !== worst));
  }
  const value = new Float64Array(subjects);
  for (const s of fit.chosen) {
    const { z, rows: showing } = judge(s);
    value[s] = fit.values[s]!;
    significance[s] = 1 - Math.min(1, normalUpperTail(z) * tests);
    explainedShare[s] = shareExplained(fit, weight, s);
    evidence.set(s, showing);
  }
  return { value, significance, explained: explainedShare, evidence };
}

/** The z a one-sided normal test needs for this tail probability (bisection on the tail: no table). */
function criticalZ(tail: number): number {
  let low = 0;
  let high = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (normalUpperTail(mid) > tail) low = mid;
    else high = mid;
  }
  return high;
}
