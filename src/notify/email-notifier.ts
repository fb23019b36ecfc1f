/**
 * E-mail on incidents: one mail per incident change, none for a round without. This is the e-mail
 * deliverer of the notification outbox: it sends one item's mail; the dispatcher keeps the order,
 * retries with backoff and gives up after `maxAttempts` (reported as failed). Mail is a log, so a late
 * mail is still sent, saying since when it was queued (email-message.ts).
 *
 * An SMTP failure is the server's, not one mail's: after one, the whole channel waits out a backoff
 * (growing while failures repeat) rather than each waiting mail trying its own connection timeout.
 * Mails go one at a time (concurrency 1), so they arrive in the order the changes happened.
 */
import { redactError } from '../secrets/redact.js';
import type { OutboxItem } from '../store/records.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import { emailMessage, type EmailMessage } from './email-message.js';
import type { DeliveryContext, DeliveryOutcome, Notifier, NotifierStatus } from './notifier.js';
import type { MailTransport } from './smtp-transport.js';

export interface EmailNotifierOptions {
  transport: MailTransport;
  from: string;
  to: string[];
  subjectPrefix: string;
  /** Attempts per mail (the first send included) before it is reported failed. */
  maxAttempts: number;
  nowMs?: () => number;
  /** Waits between attempts (default 15 s doubling to 15 min). */
  backoff?: BackoffOptions;
  random?: () => number;
  /** A mail sent this long after its change was queued says it is late (default 60 s). */
  lateAfterMs?: number;
}

export class EmailNotifier implements Notifier {
  readonly channel = 'email' as const;
  readonly concurrency = 1;
  readonly retryBackoff: BackoffOptions;
  readonly maxAttempts: number;
  readonly #o: Required<EmailNotifierOptions>;
  #pausedUntilMs = 0;
  #failuresInRow = 0;
  #status: NotifierStatus = { channel: 'email', queued: 0, lastError: null, lastErrorAtMs: null, lastSentAtMs: null };

  constructor(options: EmailNotifierOptions) {
    this.#o = {
      nowMs: Date.now,
      backoff: { baseMs: 15_000, capMs: 900_000 },
      random: Math.random,
      lateAfterMs: 60_000,
      ...options,
    };
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
      throw new Error(`notify.EmailNotifier: maxAttempts ${String(options.maxAttempts)}; expected a positive integer`);
    }
    this.maxAttempts = options.maxAttempts;
    this.retryBackoff = this.#o.backoff;
  }

  async deliver(item: OutboxItem, context: DeliveryContext): Promise<DeliveryOutcome> {
    let message: EmailMessage;
    try {
      const late = context.nowMs - item.createdAtMs >= this.#o.lateAfterMs ? { queuedAtMs: item.createdAtMs, sentAtMs: context.nowMs, current: context.current } : null;
      message = emailMessage(item.change, this.#o.subjectPrefix, late);
    } catch (error) {
      return { kind: 'failed', error: `email: cannot build the mail: ${redactError(error)}` };
    }
    try {
      const { messageId } = await this.#o.transport.send(this.#mail(message, item));
      this.#failuresInRow = 0;
      this.#pausedUntilMs = 0;
      this.#status.lastSentAtMs = this.#o.nowMs();
      return { kind: 'delivered', detail: `${messageId || 'sent'}: "${message.subject}" to ${this.#o.to.join(', ')}` };
    } catch (error) {
      const text = redactError(error);
      const nowMs = this.#o.nowMs();
      this.#pausedUntilMs = nowMs + backoffDelayMs(this.#failuresInRow, this.#o.backoff, this.#o.random);
      this.#failuresInRow += 1;
      this.#status.lastError = text;
      this.#status.lastErrorAtMs = nowMs;
      return { kind: 'retry', error: text, notBeforeMs: this.#pausedUntilMs };
    }
  }

  readyAtMs(): number {
    return this.#pausedUntilMs;
  }

  async close(): Promise<void> {
    this.#o.transport.close();
  }

  status(): NotifierStatus {
    return { ...this.#status };
  }

  /**
   * One Message-ID per outbox row: a process killed between the server's accept and the row being marked
   * sent leaves it pending, and whoever delivers it next (the restarted process, a new fleet leader) sends
   * the same message again; with the same Message-ID, mail systems and readers see one message, not two.
   */
  #mail(message: EmailMessage, item: OutboxItem) {
    const messageId = `<pathmon-outbox-${item.id}-${item.incidentId.replace(/[^A-Za-z0-9._-]/g, '_')}@pathmon>`;
    return { from: this.#o.from, to: this.#o.to, subject: message.subject, text: message.text, html: message.html, messageId };
  }
}
