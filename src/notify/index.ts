/**
 * Notifiers: Freshdesk tickets and e-mail on incident changes (one ticket per incident, one mail per
 * change), their config sections, the builder the daemon calls, and the dispatcher that delivers the
 * store's durable outbox through them. The monitor knows only the Notifier interface and the dispatcher.
 */
export type { Notifier, NotifierStatus, DeliveryContext, DeliveryOutcome } from './notifier.js';
export { OutboxDispatcher, type OutboxDispatcherOptions, type OutboxStore, type DispatchReport } from './outbox-dispatcher.js';
export type { PathTransition, PathEvidencePath } from './evidence-format.js';
export {
  incidentTitle,
  incidentEstimate,
  controlPlaneLabel,
  changeHeadline,
  incidentEvidenceText,
  incidentEvidenceHtml,
  subjectTag,
} from './incident-format.js';
export {
  freshdeskConfigSchema,
  emailConfigSchema,
  notifyConfigSchema,
  type FreshdeskConfig,
  type EmailConfig,
  type NotifyConfig,
} from './config-schema.js';
export { buildNotifiers, freshdeskBaseUrl, type BuildNotifiersOptions } from './build-notifiers.js';
export { FreshdeskNotifier, pathTag, freshdeskStatus, type NotifyStore, type FreshdeskNotifierOptions } from './freshdesk-notifier.js';
export { FreshdeskClient, type FreshdeskClientOptions } from './freshdesk-client.js';
export { EmailNotifier, type EmailNotifierOptions } from './email-notifier.js';
export { emailMessage, type EmailMessage, type MailLateness } from './email-message.js';
export { smtpTransport, type MailTransport, type OutgoingMail } from './smtp-transport.js';
export { IntegrationError, type IntegrationErrorCode, type IntegrationService, type IntegrationFieldError } from './integration-error.js';
export { stderrNotifyLog, type NotifyLog, type NotifyLogLevel } from './notify-log.js';
