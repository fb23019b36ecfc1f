/**
 * Builds one candidate walk for a target link u→v: the tree route `P ⇝ u`, the target, then a chain
 * that keeps crossing links that still need something (coverage, or a split of their signature class)
 * while the hop budget still leaves a way home, and finally a way home that avoids undoing splits.
 *
 * Every step only looks at the current node's links (and, when none of them helps, one step further),
 * and the budget check is one array read: a link x→y may be taken with `used` legs behind it only if
 * `used + 1 + distTo[y] ≤ maxHops`. That invariant also guarantees the chain ends at the prober within
 * the budget, since the tree link towards the prober always satisfies it.
 *
 * A step's gain, given the walk so far: +coverWeight if the link is under its coverage target; +1 if it
 * is the first link of a shared signature class the walk touches (the walk will split that class);
 * −1 if it is the last missing member of a class the walk already crosses (taking it would make the
 * walk cross the whole class and split nothing: the classic case is coming back over the reverse of
 * the link just crossed); +separationWeight if it crosses a direction under its separation target whose
 * reverse the walk has not crossed, −separationWeight if it crosses the reverse of such a direction the
 * walk has crossed (coming back the way it went undoes the separation). Re-crossing a link gains nothing, and so does the prober's only link, which
 * every walk crosses. Ties are broken by a seeded hash, so candidates differ from one another and
 * plans are the same from run to run.
 *
 * The way home takes the tree link unless that un-splits a class and a detour of a few legs over links
 * the walk has not crossed avoids it (the return avoiding v→u, done greedily, leg by leg,
 * for the price of a few array reads). Where that is not enough, the exact search in link-groups.ts
 * (breadth-first with the link removed) either finds the separating walk or proves there is none.
 */
import type { CoverGraph } from './cover-graph.js';
import type { ProberReach } from './prober-reach.js';
import { routeFromProber } from './prober-reach.js';
import type { SignatureClasses } from './signature-classes.js';

export interface ChainSettings {
  maxHops: number;
  coverage: number;
  /** Weight of a link under its coverage target against one class split. */
  coverWeight: number;
  /** Walks wanted per direction that cross it without its reverse (0: none). */
  separation: number;
  /** Weight of one such crossing, for a direction under its separation target, against one class split. */
  separationWeight: number;
}

/** How much worse one un-split is than one extra leg on the way home. */
const UNSPLIT_COST_LEGS = 3;
/** Most legs one walk spends on detours home. */
const MAX_DETOUR_LEGS = 4;

export class WalkChain {
  private readonly linkStamp: Int32Array;
  private readonly classStamp: Int32Array;
  private readonly classCount: Int32Array;
  /** Out-links of each node still under their coverage target: where a one-step lookahead is worth it. */
  private readonly undercoveredOut: Int32Array;
  /** The prober's only link out, and only link in, where it has just one: every walk crosses them. */
  private readonly everyWalk: Uint8Array;
  private stamp = 0;
  private salt = 0;
  private detourLegs = 0;

  constructor(
    private readonly cover: CoverGraph,
    private readonly reach: ProberReach,
    private readonly classes: SignatureClasses,
    private readonly settings: ChainSettings,
    inScope: Uint8Array,
  ) {
    const links = cover.links.length;
    this.linkStamp = new Int32Array(links);
    this.classStamp = new Int32Array(links + 1);
    this.classCount = new Int32Array(links + 1);
    this.undercoveredOut = new Int32Array(cover.nodeIds.length);
    for (let link = 0; link < links; link++) {
      if (inScope[link] && classes.coverage[link]! < settings.coverage) this.undercoveredOut[cover.from[link]!]!++;
    }
    this.everyWalk = new Uint8Array(links);
    const P = cover.prober;
    const outs = Array.from(cover.outLinks.subarray(cover.outStart[P]!, cover.outStart[P + 1]!)).filter((link) => inScope[link]);
    const ins = Array.from(cover.inLinks.subarray(cover.inStart[P]!, cover.inStart[P + 1]!)).filter((link) => inScope[link]);
    if (outs.length === 1) this.everyWalk[outs[0]!] = 1;
    if (ins.length === 1) this.everyWalk[ins[0]!] = 1;
  }

  /** Call after a walk is added to the classes, with that walk, to keep the lookahead counts right. */
  accepted(walk: readonly number[]): void {
    const s = this.nextStamp();
    for (const link of walk) {
      if (this.linkStamp[link] === s) continue;
      this.linkStamp[link] = s;
      // Coverage was just incremented: it crossed the target exactly when it now equals it.
      if (this.classes.coverage[link] === this.settings.coverage) this.undercoveredOut[this.cover.from[link]!]!--;
    }
  }

  /** A candidate walk across `target`, as link numbers; `salt` varies the tie-breaks. */
  build(target: number, salt: number): number[] {
    const { cover, reach, settings } = this;
    const { to, outStart, outLinks } = cover;
    const distTo = reach.distTo;
    const P = cover.prober;
    this.salt = salt;
    this.detourLegs = 0;
    const s = this.nextStamp();
    const walk: number[] = [];
    routeFromProber(reach, cover, cover.from[target]!, walk);
    walk.push(target);
    for (const link of walk) this.take(link, s);

    let x = to[target]!;
    while (x !== P) {
      const used = walk.length;
      let best = -1;
      let bestValue = -Infinity;
      // 1. The most useful next link that still leaves a way home.
      for (let i = outStart[x]!; i < outStart[x + 1]!; i++) {
        const link = outLinks[i]!;
        const y = to[link]!;
        if (used + 1 + distTo[y]! > settings.maxHops) continue;
        const gain = this.gain(link, s);
        if (gain <= 0) continue;
        // Among equal gains, prefer going where more undercovered links start.
        const value = gain + (y !== P && this.undercoveredOut[y]! > 0 ? 0.01 : 0) + this.jitter(link);
        if (value > bestValue) {
          bestValue = value;
          best = link;
        }
      }
      // 2. Nothing useful here: a harmless step towards something useful, else 3. home.
      if (best < 0) best = this.lookahead(x, used, s);
      if (best < 0) best = this.homeward(x, used, s);
      walk.push(best);
      this.take(best, s);
      x = to[best]!;
    }
    return walk;
  }

  /** A harmless first step towards a useful link two steps away, or -1. */
  private lookahead(x: number, used: number, s: number): number {
    const { cover, reach, settings } = this;
    const { to, outStart, outLinks } = cover;
    if (used + 2 > settings.maxHops) return -1;
    let best = -1;
    let bestValue = 0;
    for (let i = outStart[x]!; i < outStart[x + 1]!; i++) {
      const first = outLinks[i]!;
      const y = to[first]!;
      if (y === cover.prober || this.undercoveredOut[y] === 0 || used + 1 + reach.distTo[y]! > settings.maxHops) continue;
      const firstGain = this.gain(first, s);
      if (firstGain < 0) continue;
      for (let j = outStart[y]!; j < outStart[y + 1]!; j++) {
        const second = outLinks[j]!;
        if (used + 2 + reach.distTo[to[second]!]! > settings.maxHops) continue;
        const secondGain = this.gain(second, s);
        if (secondGain <= 0) continue;
        const value = firstGain + secondGain + this.jitter(first);
        if (value > bestValue) {
          bestValue = value;
          best = first;
        }
      }
    }
    return best;
  }

  /**
   * The next step home: progress towards the prober, unless a short detour over links the walk has not
   * crossed avoids an un-split (coming back over the reverse of a link crossed on the way out). The
   * detour legs of one walk are capped: around a true group (a bridge, say) no detour helps, and the
   * exact test in link-groups.ts settles those.
   */
  private homeward(x: number, used: number, s: number): number {
    const { cover, reach, settings } = this;
    const { to, outStart, outLinks } = cover;
    const distTo = reach.distTo;
    let best = -1;
    let bestValue = -Infinity;
    for (let i = outStart[x]!; i < outStart[x + 1]!; i++) {
      const link = outLinks[i]!;
      const y = to[link]!;
      if (used + 1 + distTo[y]! > settings.maxHops) continue;
      const extraLegs = distTo[y]! - distTo[x]! + 1;
      if (extraLegs > 0 && (this.linkStamp[link] === s || this.detourLegs + extraLegs > MAX_DETOUR_LEGS)) continue;
      const value = UNSPLIT_COST_LEGS * Math.min(0, this.gain(link, s)) - extraLegs + this.jitter(link);
      if (value > bestValue) {
        bestValue = value;
        best = link;
      }
    }
    if (best < 0) best = this.reach.nextLink[x]!;
    this.detourLegs += Math.max(0, distTo[to[best]!]! - distTo[x]! + 1);
    return best;
  }

  private gain(link: number, s: number): number {
    if (this.linkStamp[link] === s || this.everyWalk[link]) return 0;
    const { classes, settings } = this;
    let gain = classes.coverage[link]! < settings.coverage ? settings.coverWeight : 0;
    // Separation: crossing a direction whose reverse the walk has not crossed counts towards it (unless
    // the walk comes back over the reverse later: that step pays it back); crossing the reverse of a
    // direction the walk separated so far undoes that.
    const r = classes.reverseOf[link]!;
    if (r >= 0) {
      const reverseTaken = this.linkStamp[r] === s;
      if (!reverseTaken && classes.unseparated(link)) gain += settings.separationWeight;
      if (reverseTaken && classes.unseparated(r)) gain -= settings.separationWeight;
    }
    const c = classes.classOf[link]!;
    const size = classes.size[c]!;
    if (size > 1) {
      const crossed = this.classStamp[c] === s ? this.classCount[c]! : 0;
      if (crossed === 0) gain += 1;
      else if (crossed === size - 1) gain -= 1;
    }
    return gain;
  }

  private take(link: number, s: number): void {
    if (this.linkStamp[link] === s) return;
    this.linkStamp[link] = s;
    const c = this.classes.classOf[link]!;
    if (this.classStamp[c] !== s) {
      this.classStamp[c] = s;
      this.classCount[c] = 0;
    }
    this.classCount[c]!++;
  }

  /** A tie-break in [0, 0.001) from the link and the salt: deterministic, different per candidate. */
  private jitter(link: number): number {
    let h = Math.imul(link ^ this.salt, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca77);
    h ^= h >>> 13;
    return ((h >>> 0) / 0x100000000) * 0.001;
  }

  private nextStamp(): number {
    if (this.stamp === 0x7fffffff) {
      this.linkStamp.fill(0);
      this.classStamp.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }
}
