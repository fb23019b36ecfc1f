/**
 * Partition refinement over directed links: links in one class have been crossed by exactly the same
 * walks so far (one signature), and each added walk splits every class it crosses only part of. A link
 * alone in its class is 1-identifiable. The class of every link and every class's size are arrays, so
 * adding a walk and scoring a candidate both cost O(links in the walk).
 *
 * One could hash signatures (a random 64-bit key per walk XORed into each link it
 * crosses). Explicit class numbers give the same classes, exactly (no collision to rule out), and let
 * a score read `size[class[link]]` instead of looking a 64-bit hash up in a map; the walk ids, which
 * must be stable across runs, are digests of link keys anyway (walk.ts).
 *
 * Coverage (walks crossing each link) is kept here too, because a candidate's score needs both, and
 * so is separation: per directed link whose other direction the plan is also about, the walks that
 * cross it without crossing its reverse. Walks crossing both directions only tell the estimator the
 * sum of the two losses; the split between them rests on these separating walks alone.
 */
export class SignatureClasses {
  /** Class of each link; -1 for links the plan is not about. */
  readonly classOf: Int32Array;
  readonly size: Int32Array;
  /** Walks crossing each link. */
  readonly coverage: Int32Array;
  /** Walks crossing each link without its reverse (counted only for links with a reverse in scope). */
  readonly separated: Int32Array;
  /** The reverse of each link where both are in scope, else -1. */
  readonly reverseOf: Int32Array;
  /** 1 where no walk within the budget crosses the link without its reverse: its separation is moot. */
  readonly inseparable: Uint8Array;
  private classes = 0;
  // Scratch for one walk at a time: stamps avoid clearing arrays between walks.
  private readonly linkStamp: Int32Array;
  private readonly memberStamp: Int32Array;
  private readonly classStamp: Int32Array;
  private readonly classCount: Int32Array;
  private readonly splitInto: Int32Array;
  private stamp = 0;

  constructor(
    inScope: Uint8Array,
    private readonly target: number,
    reverse: Int32Array,
    /** Separating walks wanted per direction (0: none). */
    readonly separationTarget: number,
  ) {
    const links = inScope.length;
    this.classOf = new Int32Array(links).fill(-1);
    this.size = new Int32Array(links + 1);
    this.coverage = new Int32Array(links);
    this.separated = new Int32Array(links);
    this.reverseOf = new Int32Array(links).fill(-1);
    this.inseparable = new Uint8Array(links);
    for (let i = 0; i < links; i++) {
      const r = reverse[i]!;
      if (inScope[i] && r >= 0 && inScope[r]) this.reverseOf[i] = r;
    }
    this.linkStamp = new Int32Array(links);
    this.memberStamp = new Int32Array(links);
    this.classStamp = new Int32Array(links + 1);
    this.classCount = new Int32Array(links + 1);
    this.splitInto = new Int32Array(links + 1);
    const first = this.classes++;
    for (let i = 0; i < links; i++) {
      if (!inScope[i]) continue;
      this.classOf[i] = first;
      this.size[first]!++;
    }
  }

  /** Links not yet identifiable, not yet crossed `target` times, or not yet separated from their reverse. */
  needy(link: number): boolean {
    return this.coverage[link]! < this.target || this.size[this.classOf[link]!]! > 1 || this.unseparated(link);
  }

  /** A link with a reverse, crossed without it by fewer walks than the separation target, and separable. */
  unseparated(link: number): boolean {
    return this.reverseOf[link]! >= 0 && this.separated[link]! < this.separationTarget && this.inseparable[link] === 0;
  }

  /**
   * What adding this walk would bring: the classes it splits, the links it crosses that are under
   * their coverage target, and those it crosses without their reverse that are under their separation
   * target.
   */
  gain(walk: readonly number[]): { splits: number; undercovered: number; unseparated: number } {
    const s = this.nextStamp();
    let undercovered = 0;
    let unseparated = 0;
    const touched: number[] = [];
    // Membership first (under a stamp of its own), so a link's reverse later in the walk is seen.
    const inWalk = this.nextStamp();
    for (const link of walk) this.memberStamp[link] = inWalk;
    for (const link of walk) {
      if (this.linkStamp[link] === s) continue;
      this.linkStamp[link] = s;
      if (this.coverage[link]! < this.target) undercovered++;
      if (this.unseparated(link) && this.memberStamp[this.reverseOf[link]!] !== inWalk) unseparated++;
      const c = this.classOf[link]!;
      if (this.classStamp[c] !== s) {
        this.classStamp[c] = s;
        this.classCount[c] = 0;
        touched.push(c);
      }
      this.classCount[c]!++;
    }
    let splits = 0;
    for (const c of touched) if (this.classCount[c]! < this.size[c]!) splits++;
    return { splits, undercovered, unseparated };
  }

  /** Adds a walk: its links' coverage grows and the classes it crosses in part split in two. */
  add(walk: readonly number[]): void {
    const s = this.nextStamp();
    const distinct: number[] = [];
    const touched: number[] = [];
    for (const link of walk) {
      if (this.linkStamp[link] === s) continue;
      this.linkStamp[link] = s;
      distinct.push(link);
      this.coverage[link]!++;
      const c = this.classOf[link]!;
      if (this.classStamp[c] !== s) {
        this.classStamp[c] = s;
        this.classCount[c] = 0;
        touched.push(c);
      }
      this.classCount[c]!++;
    }
    for (const link of distinct) {
      const r = this.reverseOf[link]!;
      if (r >= 0 && this.linkStamp[r] !== s) this.separated[link]!++;
    }
    // Decide every split before moving anyone: moving shrinks the sizes the decision reads.
    for (const c of touched) this.splitInto[c] = this.classCount[c]! < this.size[c]! ? this.classes++ : -1;
    for (const link of distinct) {
      const c = this.classOf[link]!;
      const into = this.splitInto[c]!;
      if (into === -1) continue;
      this.classOf[link] = into;
      this.size[c]!--;
      this.size[into]!++;
    }
  }

  /** A fresh mark for the per-walk scratch arrays, so they never need clearing. */
  private nextStamp(): number {
    if (this.stamp === 0x7fffffff) {
      this.linkStamp.fill(0);
      this.memberStamp.fill(0);
      this.classStamp.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }

  /** Classes with more than one link, as lists of links (ascending). */
  sharedClasses(): number[][] {
    const members = new Map<number, number[]>();
    for (let link = 0; link < this.classOf.length; link++) {
      const c = this.classOf[link]!;
      if (c < 0 || this.size[c]! < 2) continue;
      let list = members.get(c);
      if (!list) members.set(c, (list = []));
      list.push(link);
    }
    return [...members.values()];
  }
}
