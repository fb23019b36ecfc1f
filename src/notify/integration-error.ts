/**
 * The one error class for a notification service that failed: which service, the HTTP or SMTP status if
 * there was one, whether trying again later can help, and for Freshdesk's validation errors the fields
 * it named. Tests check `service`, `status`, `code` and `fields`, never the text. The message is scrubbed
 * of secrets when the error is built, so it can be logged and stored as is.
 */
import { PathmonError } from '../pathmon-error.js';
import { redactSecrets } from '../secrets/redact.js';

export type IntegrationService = 'freshdesk' | 'smtp';

export type IntegrationErrorCode =
  /** 429, and the Retry-After was longer than we wait inside one round. */
  | 'rate-limited'
  | 'server-error'
  | 'timeout'
  /** Connection refused, reset, DNS failure. */
  | 'unreachable'
  /** 401/403: the key or the account is wrong; retrying will not help. */
  | 'unauthorized'
  | 'not-found'
  /** 400 or another 4xx: the request itself is wrong. */
  | 'rejected'
  | 'bad-response';

export interface IntegrationFieldError {
  field: string;
  message: string;
  code: string;
}

export class IntegrationError extends PathmonError {
  override name = 'IntegrationError';
  readonly fields: IntegrationFieldError[];
  constructor(
    readonly service: IntegrationService,
    readonly status: number | null,
    readonly code: IntegrationErrorCode,
    message: string,
    options: {
      fields?: IntegrationFieldError[];
      /** The request may have been carried out although no answer came (timeout or 5xx on a POST). */
      ambiguous?: boolean;
      /** A 429's Retry-After in milliseconds: queued work must not be tried again before it. */
      retryAfterMs?: number | null;
    } = {},
  ) {
    super(redactSecrets(message));
    this.fields = options.fields ?? [];
    this.ambiguous = options.ambiguous ?? false;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }

  readonly ambiguous: boolean;
  readonly retryAfterMs: number | null;

  /** Worth trying again later: the service or the network failed, not the request. */
  get retryable(): boolean {
    return this.code === 'rate-limited' || this.code === 'server-error' || this.code === 'timeout' || this.code === 'unreachable';
  }
}
