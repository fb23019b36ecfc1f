/**
 * Partition refinement over directed links: links in one class have been crossed by exactly the same
 * walks so far (one signature), and each added walk splits every class it crosses only part of. A link
 * alone in its class is 1-identifiable. The class of every link and every class's size are arrays, so
 * adding a walk and scoring a candidate both cost O(links in the walk).
 *
 * LOCALIZE.md suggests hashing signatures (a random 64-bit key per walk XORed into each link it
 * crosses). Explicit class numbers give the same classes, exactly (no collision to rule out), and let
 * a score read `size[class[link]]` instead of looking a 64-bit hash up in a map; the walk ids, which
 * must be stable across runs, are digests of link keys anyway (walk.ts).
 *
 * Coverage (walks crossing each link) is kept here too, because a candidate's score needs both.
 */
export class SignatureClasses {
  /** Class of each link; -1 for links the plan is not about. */
  readonly classOf: Int32Array;
  readonly size: Int32Array;
  /** Walks crossing each link. */
  readonly coverage: Int32Array;
  private classes = 0;
  // Scratch for one walk at a time: stamps avoid clearing arrays between walks.
  private readonly linkStamp: Int32Array;
  private readonly classStamp: Int32Array;
  private readonly classCount: Int32Array;
  private readonly splitInto: Int32Array;
  private stamp = 0;

  constructor(
    inScope: Uint8Array,
    private readonly target: number,
  ) {
    const links = inScope.length;
    this.classOf = new Int32Array(links).fill(-1);
    this.size = new Int32Array(links + 1);
    this.coverage = new Int32Array(links);
    this.linkStamp = new Int32Array(links);
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

  /** Links not yet identifiable or not yet crossed `target` times. */
  needy(link: number): boolean {
    return this.coverage[link]! < this.target || this.size[this.classOf[link]!]! > 1;
  }

  /**
   * What adding this walk would bring: the classes it splits and the links it crosses that are under
   * their coverage target.
   */
  gain(walk: readonly number[]): { splits: number; undercovered: number } {
    const s = this.nextStamp();
    let undercovered = 0;
    const touched: number[] = [];
    for (const link of walk) {
      if (this.linkStamp[link] === s) continue;
      this.linkStamp[link] = s;
      if (this.coverage[link]! < this.target) undercovered++;
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
    return { splits, undercovered };
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
