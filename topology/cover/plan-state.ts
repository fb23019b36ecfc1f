/**
 * The plan being built: its walks (as link numbers), their signature classes and coverage, and the
 * candidate builder that reads both. Every walk enters through `add`, which refuses repeats (two
 * walks with the same links would share an id and tell nothing apart) and stops at maxWalks.
 */
import type { Walk } from '../walk.js';
import type { CoverGraph } from './cover-graph.js';
import type { ProberReach } from './prober-reach.js';
import { SignatureClasses } from './signature-classes.js';
import { WalkChain, type ChainSettings } from './walk-chain.js';
import { separatingWalk } from './link-groups.js';
import { RouteSearch } from './prober-reach.js';

export interface PlanSettings extends ChainSettings {
  maxWalks: number;
}

export class PlanState {
  readonly walks: number[][] = [];
  /** The previous plan's walk behind walks[i], where it was kept. */
  readonly keptFrom: (Walk | undefined)[] = [];
  readonly classes: SignatureClasses;
  private chainBuilder: WalkChain | undefined;
  private search: RouteSearch | undefined;
  /** Walk indices by a hash of their links: repeats are found without building string keys. */
  private readonly byHash = new Map<number, number[]>();

  constructor(
    readonly cover: CoverGraph,
    readonly reach: ProberReach,
    readonly inScope: Uint8Array,
    readonly settings: PlanSettings,
  ) {
    this.classes = new SignatureClasses(inScope, settings.coverage, cover.reverse, settings.separation);
  }

  /**
   * A walk within the budget that crosses `link` without its reverse, or null when none exists, in
   * which case the link is marked inseparable so nothing keeps asking for its separation. The exact
   * test (link-groups.ts) runs once per link at most, and only for links a candidate failed to separate.
   */
  separatingWalk(link: number): number[] | null {
    const r = this.classes.reverseOf[link]!;
    if (r < 0 || this.classes.inseparable[link]) return null;
    const walk = separatingWalk(this, (this.search ??= new RouteSearch(this.cover)), link, r);
    if (!walk) this.classes.inseparable[link] = 1;
    return walk;
  }

  /** The candidate builder, created on first use so it counts the kept walks' coverage. */
  get chain(): WalkChain {
    return (this.chainBuilder ??= new WalkChain(this.cover, this.reach, this.classes, this.settings, this.inScope));
  }

  get full(): boolean {
    return this.walks.length >= this.settings.maxWalks;
  }

  has(walk: readonly number[]): boolean {
    const same = this.byHash.get(walkHash(walk));
    return same !== undefined && same.some((i) => sameLinks(this.walks[i]!, walk));
  }

  /** Adds a walk; false when it repeats one already planned or the plan is full. */
  add(walk: number[], keptFrom?: Walk): boolean {
    if (this.full) return false;
    if (this.has(walk)) return false;
    const h = walkHash(walk);
    const same = this.byHash.get(h);
    if (same) same.push(this.walks.length);
    else this.byHash.set(h, [this.walks.length]);
    this.walks.push(walk);
    this.keptFrom.push(keptFrom);
    this.classes.add(walk);
    this.chainBuilder?.accepted(walk);
    return true;
  }
}

function walkHash(walk: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const link of walk) h = Math.imul(h ^ link, 0x01000193);
  return h >>> 0;
}

function sameLinks(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
