/**
 * The mail transport behind the e-mail notifier: an interface small enough for tests to fake, and the
 * nodemailer SMTP implementation built from the config. The password is revealed only here, to
 * nodemailer; it is already registered with the scrubber, so an SMTP error quoting it is cleaned.
 */
import nodemailer from 'nodemailer';
import type { Secret } from '../secrets/secret.js';
import type { EmailConfig } from './config-schema.js';

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  /** Resolves with the server's message id; rejects on any SMTP or connection failure. */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  close(): void;
}

export function smtpTransport(config: EmailConfig, password: Secret | null): MailTransport {
  const transporter = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.tls === 'implicit',
    requireTLS: config.tls === 'starttls',
    ignoreTLS: config.tls === 'none',
    auth: config.user !== undefined && password !== null ? { user: config.user, pass: password.reveal() } : undefined,
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
    // Never log through nodemailer: its debug output would carry the AUTH exchange.
    logger: false,
    debug: false,
  });
  return {
    async send(mail) {
      const info = await transporter.sendMail(mail);
      return { messageId: String(info.messageId ?? '') };
    },
    close() {
      transporter.close();
    },
  };
}
