/**
 * What the monitor hands the notifiers after a round: every incident change of that round at once, so
 * one round's changes make one mail, and each incident's ticket is opened, noted or resolved. An
 * incident is about a link, a link group or a path no link incident explains; notifiers never see paths
 * on their own. Each channel reports its own failure; one failing never stops the other.
 */
import type { IncidentChange } from '../incidents/incident.js';

export interface Notifier {
  readonly channel: 'email' | 'freshdesk';
  /** Never throws: failures are queued for retry, recorded and reported. */
  notify(changes: IncidentChange[]): Promise<void>;
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
