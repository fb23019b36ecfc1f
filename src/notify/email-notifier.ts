/**
 * E-mail on incidents: one mail per incident change, none for a round without. When the SMTP server
 * fails, the mail is queued (bounded; the oldest is dropped and reported beyond
 * `maxQueued`) and retryQueued() sends the queue oldest first with exponential backoff. While mails
 * are queued a new mail joins the queue rather than waiting out another connection timeout, and after
 * one mail of a round failed the rest of that round's mails join it too.
 * Every outcome is a NotificationRecord and a log line, scrubbed of secrets.
 */
import type { IncidentChange } from '../incidents/incident.js';
import type { Store } from '../store/store.js';
import { redactError, redactSecrets } from '../secrets/redact.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import { emailMessage, type EmailMessage } from './email-message.js';
import type { Notifier, NotifierStatus } from './notifier.js';
import { stderrNotifyLog, type NotifyLog } from './notify-log.js';
import type { MailTransport } from './smtp-transport.js';

export interface EmailNotifierOptions {
  transport: MailTransport;
  store: Pick<Store, 'addNotification'>;
  from: string;
  to: string[];
  subjectPrefix: string;
  /** Attempts per mail (the first send included) before it is reported failed and dropped. */
  maxAttempts: number;
  maxQueued: number;
  nowMs?: () => number;
  log?: NotifyLog;
  /** Waits between retries of the queue (default 15 s doubling to 15 min). */
  backoff?: BackoffOptions;
  random?: () => number;
}

interface QueuedMail {
  message: EmailMessage;
  queuedAtMs: number;
  attempts: number;
}

export class EmailNotifier implements Notifier {
  readonly channel = 'email' as const;
  readonly #o: Required<EmailNotifierOptions>;
  readonly #queue: QueuedMail[] = [];
  #nextAttemptAtMs = 0;
  #failuresInRow = 0;
  #chain: Promise<void> = Promise.resolve();
  #status: NotifierStatus = { channel: 'email', queued: 0, lastError: null, lastErrorAtMs: null, lastSentAtMs: null };

  constructor(options: EmailNotifierOptions) {
    this.#o = {
      nowMs: Date.now,
      log: stderrNotifyLog,
      backoff: { baseMs: 15_000, capMs: 900_000 },
      random: Math.random,
      ...options,
    };
  }

  notify(changes: IncidentChange[]): Promise<void> {
    return this.#serialised(async () => {
      for (const change of changes) {
        let message: EmailMessage;
        try {
          message = emailMessage(change, this.#o.subjectPrefix);
        } catch (error) {
          this.#o.log('error', `email: cannot build a mail: ${redactError(error)}`);
          continue;
        }
        if (this.#queue.length > 0) {
          this.#enqueue({ message, queuedAtMs: this.#o.nowMs(), attempts: 0 });
          await this.#record(message, 'queued', `waiting behind ${this.#queue.length - 1} queued mail(s); last error: ${this.#status.lastError ?? 'none'}`);
          continue;
        }
        try {
          const { messageId } = await this.#o.transport.send(this.#mail(message));
          await this.#sent(message, messageId, 1);
        } catch (error) {
          const text = this.#failed(redactError(error));
          this.#enqueue({ message, queuedAtMs: this.#o.nowMs(), attempts: 1 });
          this.#o.log('warn', `email: "${message.subject}" queued for retry: ${text}`);
          await this.#record(message, 'queued', text);
        }
      }
    });
  }

  retryQueued(): Promise<void> {
    return this.#serialised(async () => {
      if (this.#queue.length === 0 || this.#o.nowMs() < this.#nextAttemptAtMs) return;
      while (this.#queue.length > 0) {
        const head = this.#queue[0]!;
        head.attempts += 1;
        try {
          const { messageId } = await this.#o.transport.send(this.#mail(head.message));
          this.#queue.shift();
          await this.#sent(head.message, messageId, head.attempts);
        } catch (error) {
          const text = this.#failed(redactError(error));
          if (head.attempts >= this.#o.maxAttempts) {
            this.#queue.shift();
            this.#o.log('error', `email: "${head.message.subject}" dropped after ${head.attempts} attempts: ${text}`);
            await this.#record(head.message, 'failed', `gave up after ${head.attempts} attempts: ${text}`);
          } else {
            this.#o.log('warn', `email: ${this.#queue.length} mail(s) still queued: ${text}`);
          }
          break;
        }
      }
      this.#status.queued = this.#queue.length;
    });
  }

  close(): Promise<void> {
    return this.#serialised(async () => {
      if (this.#queue.length > 0) this.#o.log('warn', `email: closing with ${this.#queue.length} mail(s) unsent; they are not kept across restarts`);
      this.#o.transport.close();
    });
  }

  status(): NotifierStatus {
    return { ...this.#status, queued: this.#queue.length };
  }

  #mail(message: EmailMessage) {
    return { from: this.#o.from, to: this.#o.to, subject: message.subject, text: message.text, html: message.html };
  }

  async #sent(message: EmailMessage, messageId: string, attempts: number): Promise<void> {
    this.#failuresInRow = 0;
    this.#nextAttemptAtMs = 0;
    this.#status.lastSentAtMs = this.#o.nowMs();
    const after = attempts > 1 ? ` after ${attempts} attempts` : '';
    this.#o.log('info', `email: sent "${message.subject}" to ${this.#o.to.join(', ')}${after}`);
    await this.#record(message, 'sent', `${messageId || 'sent'}${after}`);
  }

  /** Notes a failure and schedules the next try; returns the scrubbed message. */
  #failed(message: string): string {
    this.#nextAttemptAtMs = this.#o.nowMs() + backoffDelayMs(this.#failuresInRow, this.#o.backoff, this.#o.random);
    this.#failuresInRow += 1;
    this.#status.lastError = message;
    this.#status.lastErrorAtMs = this.#o.nowMs();
    return message;
  }

  #enqueue(mail: QueuedMail): void {
    this.#queue.push(mail);
    while (this.#queue.length > this.#o.maxQueued) {
      const dropped = this.#queue.shift()!;
      this.#o.log('error', `email: queue full (${this.#o.maxQueued}); dropped "${dropped.message.subject}"`);
      void this.#record(dropped.message, 'failed', `dropped: more than ${this.#o.maxQueued} mails queued`);
    }
    this.#status.queued = this.#queue.length;
  }

  async #record(message: EmailMessage, status: 'sent' | 'queued' | 'failed', detail: string): Promise<void> {
    try {
      await this.#o.store.addNotification({ atMs: this.#o.nowMs(), channel: 'email', subjectKeys: message.subjectKeys, status, detail: redactSecrets(detail) });
    } catch (error) {
      this.#o.log('warn', `email: could not record the notification (${status}): ${redactError(error)}`);
    }
  }

  #serialised(work: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(work, work);
    this.#chain = next.catch((error: unknown) => this.#o.log('error', `email: internal error: ${redactError(error)}`));
    return this.#chain;
  }
}
