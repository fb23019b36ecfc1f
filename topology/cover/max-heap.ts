/**
 * A binary max-heap of (priority, item) pairs in typed arrays: the lazy greedy keeps one entry per
 * target link (tens of thousands) and pops and pushes once per candidate it re-scores, so boxed
 * objects would be most of its cost. Equal priorities pop the smaller item first, so the order, and
 * with it the plan, is the same on every run.
 */
export class MaxHeap {
  private priority: Float64Array;
  private item: Int32Array;
  private count = 0;

  constructor(capacity: number) {
    this.priority = new Float64Array(Math.max(1, capacity));
    this.item = new Int32Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.count;
  }

  /** The top priority, or -Infinity when empty. */
  peekPriority(): number {
    return this.count > 0 ? this.priority[0]! : -Infinity;
  }

  push(item: number, priority: number): void {
    if (this.count === this.item.length) this.grow();
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(priority, item, this.priority[parent]!, this.item[parent]!)) break;
      this.priority[i] = this.priority[parent]!;
      this.item[i] = this.item[parent]!;
      i = parent;
    }
    this.priority[i] = priority;
    this.item[i] = item;
  }

  /** Removes and returns the top item; the heap must not be empty. */
  pop(): number {
    const top = this.item[0]!;
    const lastPriority = this.priority[--this.count]!;
    const lastItem = this.item[this.count]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.count) break;
      if (child + 1 < this.count && this.before(this.priority[child + 1]!, this.item[child + 1]!, this.priority[child]!, this.item[child]!)) child++;
      if (!this.before(this.priority[child]!, this.item[child]!, lastPriority, lastItem)) break;
      this.priority[i] = this.priority[child]!;
      this.item[i] = this.item[child]!;
      i = child;
    }
    this.priority[i] = lastPriority;
    this.item[i] = lastItem;
    return top;
  }

  private before(p: number, a: number, q: number, b: number): boolean {
    return p > q || (p === q && a < b);
  }

  private grow(): void {
    const priority = new Float64Array(this.priority.length * 2);
    priority.set(this.priority);
    const item = new Int32Array(this.item.length * 2);
    item.set(this.item);
    this.priority = priority;
    this.item = item;
  }
}
