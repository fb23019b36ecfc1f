/**
 * Store writes that must not be lost while the database is away: path registrations, GONE marks and
 * transitions. Round results have the store's own batching writer; these are few, so an in-order queue
 * in memory is enough. Each round tries the queue from the front and stops at the first failure, so
 * transitions reach the database in the order they happened.
 */
export class PendingWrites {
  private readonly queue: { what: string; write: () => Promise<void> }[] = [];
  private lastError: string | null = null;

  constructor(private readonly onError: (message: string) => void) {}

  push(what: string, write: () => Promise<void>): void {
    this.queue.push({ what, write });
  }

  get length(): number {
    return this.queue.length;
  }

  /** Writes what it can, in order; returns how many writes are still waiting. */
  async drain(): Promise<number> {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      try {
        await next.write();
      } catch (error) {
        const message = `${next.what}: ${(error as Error).message}`;
        // One line per outage, not one per round.
        if (message !== this.lastError) this.onError(`monitor: cannot store ${message}; ${this.queue.length} write(s) kept for the next round`);
        this.lastError = message;
        return this.queue.length;
      }
      this.queue.shift();
      this.lastError = null;
    }
    return 0;
  }
}
