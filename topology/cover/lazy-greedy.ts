/**
 * Chooses walks by partition refinement with a lazy greedy, as deTector's PMC does, generalised from
 * fixed candidate paths to walks built on demand.
 *
 * deTector scores each candidate path by the signature classes it splits plus a coverage term, keeps
 * the scores in a heap with a version stamp (the number of paths chosen when the score was computed),
 * and re-scores a popped path only if its stamp is old. Here a candidate is "the best walk across
 * target link t given the plan so far" (walk-chain.ts), so re-scoring means rebuilding it: the walk
 * adapts to what is still needed instead of being one of a fixed set. A rebuilt candidate is taken at
 * once if it scores at least (1 − ε) of the next stale score (a stale score is roughly an upper bound,
 * since a plan only ever needs less as walks are added). With ε = 0.5 a k=32 fat-tree took 3.5 builds
 * per chosen walk and 6,965 walks; with ε = 0.25, 7 builds per walk and more walks (7,376), since
 * waiting for the very best candidate keeps rebuilding the same few.
 *
 * Score = classes split + coverWeight × links crossed that are under their coverage target
 *       + separationWeight × directions crossed without their reverse that are under their separation
 *         target.
 *
 * A candidate for a target still short only of separation that nevertheless crosses the target's
 * reverse asks the exact test (PlanState.separatingWalk) once whether any walk can separate it; if
 * none can, the target stops asking, and if one can, that walk is the candidate.
 */
import { MaxHeap } from './max-heap.js';
import type { PlanState } from './plan-state.js';

const TOLERANCE = 0.5;

/** Plans walks until every target is satisfied or no candidate helps; returns targets given up on. */
export function lazyGreedyCover(state: PlanState, targets: readonly number[]): number[] {
  const { classes, settings } = state;
  const heap = new MaxHeap(targets.length);
  // Never-scored candidates get the best score a walk could have: every leg new and splitting.
  const optimistic = (1 + settings.coverWeight + (settings.separation > 0 ? settings.separationWeight : 0)) * settings.maxHops;
  const scoredAt = new Int32Array(classes.coverage.length).fill(-1);
  for (const target of targets) heap.push(target, optimistic);
  const givenUp: number[] = [];

  while (heap.size > 0 && !state.full) {
    const target = heap.pop();
    if (!classes.needy(target)) continue;
    const fresh = scoredAt[target] === state.walks.length;
    let walk = state.chain.build(target, state.walks.length * 31 + target);
    if (classes.unseparated(target) && crosses(walk, classes.reverseOf[target]!)) {
      const separating = state.separatingWalk(target);
      if (separating) walk = separating;
      else if (!classes.needy(target)) continue;
    }
    const { splits, undercovered, unseparated } = classes.gain(walk);
    const score = splits + settings.coverWeight * undercovered + settings.separationWeight * unseparated;
    if (score <= 0) continue;
    if (state.has(walk)) {
      givenUp.push(target);
      continue;
    }
    if (fresh || score >= (1 - TOLERANCE) * heap.peekPriority()) {
      state.add(walk);
      if (classes.needy(target)) heap.push(target, score);
    } else {
      scoredAt[target] = state.walks.length;
      heap.push(target, score);
    }
  }
  return givenUp;
}

function crosses(walk: readonly number[], link: number): boolean {
  for (const x of walk) if (x === link) return true;
  return false;
}
