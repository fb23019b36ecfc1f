/**
 * What the monitor hands the notifiers after a round: every transition of that round at once, so one
 * round's changes make one mail, and each path's ticket is opened, noted or resolved. Each channel
 * reports its own failure; one failing never stops the other.
 */
import type { PathRecord, TransitionRecord } from '../store/records.js';

export interface PathTransition {
  path: PathRecord;
  transition: TransitionRecord;
}

export interface Notifier {
  readonly channel: 'email' | 'freshdesk';
  /** Never throws: failures are queued for retry, recorded and reported. */
  notify(transitions: PathTransition[]): Promise<void>;
  /** Retries what is queued; called once per round. */
  retryQueued(): Promise<void>;
  close(): Promise<void>;
  /** What is waiting and the last failure, for the dashboard and `pathmon status` (secrets scrubbed). */
  status?(): NotifierStatus;
}

export interface NotifierStatus {
  channel: 'email' | 'freshdesk';
  /** Operations (Freshdesk) or mails (e-mail) waiting to be retried. */
  queued: number;
  lastError: string | null;
  lastErrorAtMs: number | null;
  lastSentAtMs: number | null;
}
