/**
 * A notification channel (Freshdesk, e-mail; later webhooks) as the outbox dispatcher sees it: a
 * deliverer of one outbox item at a time. The work itself is durable in the store's outbox (written
 * with the incident change that owes it), so a channel keeps no queue: it carries out one item, re-judges
 * it against the incident as it now is, and says what became of it. Retrying, ordering per subject,
 * backoff and records belong to the dispatcher (outbox-dispatcher.ts). One channel failing never stops
 * another.
 */
import type { IncidentRecord } from '../incidents/incident.js';
import type { NotificationChannel, OutboxItem } from '../store/records.js';
import type { BackoffOptions } from './backoff.js';

export interface DeliveryContext {
  nowMs: number;
  /** The incident as the store now has it (null when it cannot be read): stale work is judged against it. */
  current: IncidentRecord | null;
}

/** What became of one delivery; `retry` and `failed` carry the error scrubbed of secrets. */
export type DeliveryOutcome =
  | { kind: 'delivered'; detail: string }
  /** Nothing to send any more (the incident is over, the ticket was closed by a person, ...): why. */
  | { kind: 'superseded'; detail: string }
  /** Worth trying again; not before `notBeforeMs` when the far side said so (Retry-After). */
  | { kind: 'retry'; error: string; notBeforeMs?: number }
  /** Retrying cannot help (a 4xx, a bad address): the item is finished as failed. */
  | { kind: 'failed'; error: string };

export interface Notifier {
  readonly channel: NotificationChannel;
  /** How many subjects' work may be in flight at once: one hanging request delays only its own subject. */
  readonly concurrency: number;
  /** Waits between attempts of one item (the far side's Retry-After wins when longer). */
  readonly retryBackoff: BackoffOptions;
  /** Attempts of one item (the first included) before it is finished as failed; Infinity to never give up. */
  readonly maxAttempts: number;
  /** Carries out one outbox item. May throw: the dispatcher counts that as a retryable failure. */
  deliver(item: OutboxItem, context: DeliveryContext): Promise<DeliveryOutcome>;
  /**
   * When the whole channel may be tried again (a 429's Retry-After, an SMTP server that just failed);
   * the dispatcher skips the channel until then. Absent or in the past: ready.
   */
  readyAtMs?(): number;
  /**
   * True when an open incident lacks what this channel keeps for it (a ticket) and no pending work
   * will make it: start-up reconciliation then queues it. Channels that keep nothing omit this.
   */
  lacks?(incident: IncidentRecord): Promise<boolean>;
  close(): Promise<void>;
  /** The last failure and success, for the dashboard and `pathmon status` (secrets scrubbed). */
  status?(): NotifierStatus;
}

export interface NotifierStatus {
  channel: NotificationChannel;
  /** Outbox items waiting (pending) for this channel, as of the dispatcher's last pass. */
  queued: number;
  lastError: string | null;
  lastErrorAtMs: number | null;
  lastSentAtMs: number | null;
}
