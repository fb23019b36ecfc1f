/**
 * Holds packets for their impairment delay and releases each at its due time, to well under a
 * millisecond.
 *
 * Node's timers fire a millisecond or more late, which would pass for network delay in every
 * measurement. So a timer only brings us close (within `spinWindowNs`); the last stretch is polled with
 * setImmediate, which still lets socket I/O run in between. Packets are kept in due order, since jitter
 * lets a later packet overtake an earlier one, as it does on a real link.
 */

export interface DelayedItem<T> {
  dueNs: bigint;
  item: T;
}

const spinWindowNs = 2_000_000n;

export class DelayQueue<T> {
  private readonly queue: DelayedItem<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly release: (item: T, lateNs: bigint) => void,
    private readonly nowNs: () => bigint = () => process.hrtime.bigint(),
  ) {}

  get size(): number {
    return this.queue.length;
  }

  add(item: T, delayNs: number): void {
    const dueNs = this.nowNs() + BigInt(delayNs);
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.dueNs > dueNs) i--;
    this.queue.splice(i, 0, { dueNs, item });
    this.schedule();
  }

  clear(): void {
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.polling || this.queue.length === 0) return;
    const waitNs = this.queue[0]!.dueNs - this.nowNs();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (waitNs > spinWindowNs) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.schedule();
        },
        Number(waitNs - spinWindowNs) / 1e6,
      );
    } else {
      this.polling = true;
      setImmediate(() => this.poll());
    }
  }

  private poll(): void {
    this.polling = false;
    const now = this.nowNs();
    while (this.queue.length > 0 && this.queue[0]!.dueNs <= now) {
      const { dueNs, item } = this.queue.shift()!;
      this.release(item, now - dueNs);
    }
    this.schedule();
  }
}
