/**
 * How a fleet's leader gets the device events: from the store, not from its own receiver. Every agent
 * may receive syslog and stores each event NEW; only the leader correlates and acts, so it takes NEW
 * events stored by any agent (RemediationEngine.claimStoredEvents, which locks them in the transaction
 * that handles them). It looks when its own receiver stored something (kick) and every `pollMs` for
 * the others'. A follower does nothing; on becoming leader it wakes the pool and the isolation
 * workflow at once, so queued runs and open isolations left by the last leader go on without waiting.
 *
 * Events older than `horizonMs` when first seen are left NEW: device news of hours ago (a long
 * leaderless gap, or a store filled before remediation was configured) is history, not a reason to act.
 */
import type { RemediationEngine } from './remediation-engine.js';

export interface StoredEventFeedOptions {
  engine: RemediationEngine;
  leads: () => boolean;
  /** Called when this agent becomes the leader (also at start when it leads). */
  onLeading: () => void;
  nowMs?: () => number;
  log?: (level: 'info' | 'warn', line: string) => void;
  /** How often the store is looked at for other agents' events (default 1 s). */
  pollMs?: number;
  /** How old an event may be and still be acted on (default 1 h). */
  horizonMs?: number;
  /** Events per transaction (default 250). */
  batch?: number;
}

export class StoredEventFeed {
  readonly #o: Required<StoredEventFeedOptions>;
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<number> | null = null;
  #again = false;
  #leading = false;
  #closed = false;
  #failures = 0;

  constructor(options: StoredEventFeedOptions) {
    this.#o = { nowMs: Date.now, log: () => undefined, pollMs: 1_000, horizonMs: 3_600_000, batch: 250, ...options };
  }

  start(): void {
    this.#timer = setInterval(() => this.kick(), this.#o.pollMs);
    this.#timer.unref();
    this.kick();
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  /** Something may be there: look now (or once more after the look in progress). */
  kick(): void {
    if (this.#closed) return;
    if (this.#draining !== null) {
      this.#again = true;
      return;
    }
    void this.drain();
  }

  /** Handles every claimable event while leading; resolves to how many were handled. */
  async drain(): Promise<number> {
    if (this.#draining !== null) {
      this.#again = true;
      await this.#draining;
      return this.drain();
    }
    this.#draining = this.#drain();
    try {
      return await this.#draining;
    } finally {
      this.#draining = null;
    }
  }

  async #drain(): Promise<number> {
    let handled = 0;
    do {
      this.#again = false;
      const leading = this.#o.leads();
      if (leading && !this.#leading) {
        this.#o.log('info', 'remediation: this agent leads: it handles the stored device events and runs the actions');
        this.#o.onLeading();
      }
      this.#leading = leading;
      if (!leading || this.#closed) return handled;
      for (;;) {
        const n = await this.#claim(this.#o.batch);
        handled += n;
        if (n < this.#o.batch || !this.#o.leads() || this.#closed) break;
      }
    } while (this.#again);
    return handled;
  }

  /** One batch; a batch that fails is tried event by event, and an event that fails alone is set aside. */
  async #claim(limit: number): Promise<number> {
    const sinceMs = this.#o.nowMs() - this.#o.horizonMs;
    try {
      const n = await this.#o.engine.claimStoredEvents(limit, sinceMs);
      this.#failures = 0;
      return n;
    } catch (error) {
      const why = (error as Error).message;
      if (limit > 1) {
        this.#o.log('warn', `remediation: handling stored events: ${why} (trying them one at a time)`);
        return this.#claim(1);
      }
      this.#failures += 1;
      // A store that is down fails the marking too; an event that fails by itself, time after time, is set aside.
      if (this.#failures >= 3) {
        this.#failures = 0;
        await this.#o.engine.failStoredEvent(sinceMs, why).catch(() => null);
      } else this.#o.log('warn', `remediation: handling a stored event: ${why}`);
      return 0;
    }
  }
}
