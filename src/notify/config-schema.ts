/**
 * The `freshdesk:` and `email:` sections of pathmon's YAML config, as zod schemas the config module
 * composes into the whole file. Secrets appear only as references (`{ env: NAME }` or `{ file: PATH }`),
 * so a parsed config can be printed as is; the notifiers resolve them when they are built.
 *
 * Defaults are chosen so that the smallest useful section works: for Freshdesk a domain, a key and a
 * requester; for e-mail a host, a sender and recipients.
 */
import { z } from 'zod';
import { secretRefSchema } from '../secrets/secret-ref.js';

/** HTML5's address rule: accepts lab addresses like `noc@localhost` that stricter patterns refuse. */
const mailAddress = z.email({ pattern: z.regexes.html5Email, error: 'expected an e-mail address' });

/** Freshdesk priorities: 1 low, 2 medium, 3 high, 4 urgent. */
const freshdeskPriority = z.int().min(1).max(4);

export const freshdeskConfigSchema = z
  .strictObject({
    /** `acme` or `acme.freshdesk.com`; the API is then at https://acme.freshdesk.com/api/v2. */
    domain: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*$/i, 'expected a Freshdesk domain like "acme" or "acme.freshdesk.com"')
      .optional(),
    /** Overrides `domain`, e.g. a proxy or a test server: http(s)://host[:port] (without /api/v2). */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    apiKey: secretRefSchema,
    /** The contact tickets are raised for (Freshdesk requires a requester). */
    requesterEmail: mailAddress,
    /** Added to every ticket beside `pathmon`, the incident kind, the subject's tag (and a path's group). */
    tags: z.array(z.string().min(1).max(32)).default([]),
    /** DOWN: incidents of kind `down` (a link or path dropping everything); DEGRADED: `loss` and `delay`. */
    priority: z.strictObject({ DEGRADED: freshdeskPriority.default(2), DOWN: freshdeskPriority.default(4) }).default({ DEGRADED: 2, DOWN: 4 }),
    /** Freshdesk ticket source: 1 email, 2 portal, 3 phone, 7 chat, 9 feedback widget, 10 outbound email. */
    source: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(7), z.literal(9), z.literal(10)]).default(2),
    /** Freshdesk group to assign new tickets to. */
    groupId: z.int().positive().optional(),
    /** Notes pathmon adds are private (agents only) unless this is false. */
    privateNotes: z.boolean().default(true),
    timeoutMs: z.int().min(100).max(300_000).default(10_000),
    /** Retries of one request after a 429, a 5xx, a timeout or a connection error. */
    maxRetries: z.int().min(0).max(10).default(4),
    /** A 429's Retry-After is waited out inside a request up to this; longer, the work waits in the outbox until then. */
    maxRetryAfterMs: z.int().min(0).max(3_600_000).default(60_000),
    /** Tickets (subjects) worked on at once, so one hanging request holds back only its own ticket. */
    concurrency: z.int().min(1).max(32).default(4),
  })
  .refine((c) => c.domain !== undefined || c.baseUrl !== undefined, {
    message: 'freshdesk: set domain (e.g. "acme") or baseUrl (e.g. "https://acme.freshdesk.com")',
    path: ['domain'],
  });

export type FreshdeskConfig = z.infer<typeof freshdeskConfigSchema>;

export const emailConfigSchema = z
  .strictObject({
    host: z.string().min(1),
    port: z.int().min(1).max(65_535).default(587),
    /** implicit: TLS from the first byte (port 465); starttls: upgrade required; none: plain text (lab only). */
    tls: z.enum(['implicit', 'starttls', 'none']).default('starttls'),
    /** Verify the server's certificate (turn off only for a lab server with a self-signed one). */
    tlsRejectUnauthorized: z.boolean().default(true),
    user: z.string().min(1).optional(),
    password: secretRefSchema.optional(),
    from: mailAddress,
    to: z.array(mailAddress).min(1, 'email.to: expected at least one recipient'),
    subjectPrefix: z.string().default('pathmon'),
    timeoutMs: z.int().min(100).max(300_000).default(15_000),
    /** Attempts of one mail (first send included) before it is reported failed and dropped. */
    maxAttempts: z.int().min(1).max(100).default(10),
    /**
     * Accepted for older configs and ignored: mails wait in the store's durable outbox, which drops
     * nothing (each mail is retried up to maxAttempts).
     */
    maxQueued: z.int().min(1).max(10_000).default(100),
  })
  .refine((c) => (c.password === undefined) === (c.user === undefined), {
    message: 'email: user and password go together (set both for SMTP AUTH, or neither)',
    path: ['password'],
  });

export type EmailConfig = z.infer<typeof emailConfigSchema>;

/** Both notifier sections; each is optional in the config (absent means that channel is off). */
export const notifyConfigSchema = z.strictObject({
  freshdesk: freshdeskConfigSchema.optional(),
  email: emailConfigSchema.optional(),
});

export type NotifyConfig = z.infer<typeof notifyConfigSchema>;
