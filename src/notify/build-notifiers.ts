/**
 * Builds the configured notifiers from the `freshdesk:` and `email:` config sections: resolves their
 * secrets (so a missing variable or unreadable file fails at start, naming the setting, never later in
 * the middle of an outage) and wires the HTTP client and the SMTP transport. The notifiers deliver
 * outbox items; the monitor's OutboxDispatcher drives them.
 */
import { resolveSecret, type SecretSources } from '../secrets/resolve-secret.js';
import type { EmailConfig, FreshdeskConfig } from './config-schema.js';
import { EmailNotifier } from './email-notifier.js';
import { FreshdeskClient } from './freshdesk-client.js';
import { FreshdeskNotifier, type NotifyStore } from './freshdesk-notifier.js';
import type { Notifier } from './notifier.js';
import type { NotifyLog } from './notify-log.js';
import { smtpTransport, type MailTransport } from './smtp-transport.js';

export interface BuildNotifiersOptions {
  freshdesk?: FreshdeskConfig;
  email?: EmailConfig;
  /** Where Freshdesk tickets are remembered (the monitor's store). */
  store: NotifyStore;
  log?: NotifyLog;
  nowMs?: () => number;
  secrets?: SecretSources;
  /** Replaces SMTP (tests). */
  mailTransport?: MailTransport;
}

/** https://acme.freshdesk.com from `acme`, `acme.freshdesk.com` or an explicit baseUrl. */
export function freshdeskBaseUrl(config: Pick<FreshdeskConfig, 'domain' | 'baseUrl'>): string {
  if (config.baseUrl !== undefined) return config.baseUrl.replace(/\/+$/, '').replace(/\/api\/v2$/, '');
  const domain = config.domain ?? '';
  return `https://${domain.includes('.') ? domain : `${domain}.freshdesk.com`}`;
}

export function buildNotifiers(options: BuildNotifiersOptions): Notifier[] {
  const notifiers: Notifier[] = [];
  const common = { ...(options.log ? { log: options.log } : {}), ...(options.nowMs ? { nowMs: options.nowMs } : {}) };
  const fd = options.freshdesk;
  if (fd !== undefined) {
    const apiKey = resolveSecret(fd.apiKey, 'the Freshdesk API key (freshdesk.apiKey)', options.secrets);
    const client = new FreshdeskClient({
      baseUrl: freshdeskBaseUrl(fd),
      apiKey,
      timeoutMs: fd.timeoutMs,
      maxRetries: fd.maxRetries,
      maxRetryAfterMs: fd.maxRetryAfterMs,
      ...(options.nowMs ? { nowMs: options.nowMs } : {}),
    });
    notifiers.push(
      new FreshdeskNotifier({
        client,
        store: options.store,
        requesterEmail: fd.requesterEmail,
        tags: fd.tags,
        priority: fd.priority,
        source: fd.source,
        ...(fd.groupId !== undefined ? { groupId: fd.groupId } : {}),
        privateNotes: fd.privateNotes,
        concurrency: fd.concurrency,
        ...common,
      }),
    );
  }
  const mail = options.email;
  if (mail !== undefined) {
    const password = mail.password === undefined ? null : resolveSecret(mail.password, 'the SMTP password (email.password)', options.secrets);
    notifiers.push(
      new EmailNotifier({
        transport: options.mailTransport ?? smtpTransport(mail, password),
        from: mail.from,
        to: mail.to,
        subjectPrefix: mail.subjectPrefix,
        maxAttempts: mail.maxAttempts,
        ...(options.nowMs ? { nowMs: options.nowMs } : {}),
      }),
    );
  }
  return notifiers;
}
