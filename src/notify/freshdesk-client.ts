/**
 * A small Freshdesk API v2 client: the five calls pathmon needs (create a ticket, read one, add a note,
 * update a ticket, list a requester's tickets), Basic auth with the API key and `X`, and the retry rules:
 *
 * - 429: wait the Retry-After (up to `maxRetryAfterMs`; longer, and the error carries it as
 *   `retryAfterMs` so the caller's queued work is not tried again before it);
 * - 5xx, timeouts, connection errors: exponential backoff with jitter, up to `maxRetries` retries;
 * - other 4xx: no retry; an IntegrationError carrying Freshdesk's own error description and fields.
 *
 * Creating a ticket is not idempotent: after a timeout or a 5xx it may exist although no answer came.
 * So for requests marked `idempotent: false` the client does not repeat them on ambiguous failures; it
 * throws an `ambiguous` IntegrationError and the notifier looks for the ticket before creating again.
 *
 * Axios errors are never passed on: they hold the request configuration, Authorization header included.
 * Every status is handled here (`validateStatus` accepts all) and only what is safe goes into errors.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Secret } from '../secrets/secret.js';
import { registerSecretValue } from '../secrets/redact.js';
import { backoffDelayMs, retryAfterMs, type BackoffOptions } from './backoff.js';
import { IntegrationError, type IntegrationFieldError } from './integration-error.js';

export interface FreshdeskClientOptions {
  /** https://acme.freshdesk.com (without /api/v2). */
  baseUrl: string;
  apiKey: Secret;
  timeoutMs: number;
  maxRetries: number;
  maxRetryAfterMs: number;
  backoff?: BackoffOptions;
  /** Injected so tests need not wait out real Retry-After and backoff delays. */
  sleep?: (ms: number) => Promise<void>;
  nowMs?: () => number;
  random?: () => number;
}

/** The ticket fields pathmon sends (Freshdesk's names). */
export interface FreshdeskTicketInput {
  email: string;
  subject: string;
  /** HTML. */
  description: string;
  status: number;
  priority: number;
  source: number;
  tags: string[];
  group_id?: number;
}

/** The fields of Freshdesk's ticket object pathmon reads. */
export interface FreshdeskTicket {
  id: number;
  status: number;
  priority: number;
  subject: string;
  tags: string[];
  created_at?: string;
  updated_at?: string;
}

interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  data?: unknown;
  params?: Record<string, string | number>;
  /** May be repeated after an answerless failure without doing the work twice. */
  idempotent: boolean;
  /** `freshdesk.createTicket` etc.: starts error messages. */
  what: string;
}

const defaultBackoff: BackoffOptions = { baseMs: 500, capMs: 30_000 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FreshdeskClient {
  readonly #http: AxiosInstance;
  readonly #options: Required<Omit<FreshdeskClientOptions, 'apiKey'>>;

  constructor(options: FreshdeskClientOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    const key = options.apiKey.reveal();
    // The Authorization header's base64 is a secret of its own: scrub it too.
    registerSecretValue(Buffer.from(`${key}:X`).toString('base64'));
    this.#options = {
      baseUrl,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      maxRetryAfterMs: options.maxRetryAfterMs,
      backoff: options.backoff ?? defaultBackoff,
      sleep: options.sleep ?? realSleep,
      nowMs: options.nowMs ?? Date.now,
      random: options.random ?? Math.random,
    };
    this.#http = axios.create({
      baseURL: `${baseUrl}/api/v2`,
      auth: { username: key, password: 'X' },
      timeout: options.timeoutMs,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      // A redirect would carry the key to another host; Freshdesk does not redirect its API.
      maxRedirects: 0,
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true },
    });
  }

  /** POST /api/v2/tickets. Not repeated after an ambiguous failure (see the file comment). */
  async createTicket(ticket: FreshdeskTicketInput): Promise<FreshdeskTicket> {
    return this.#request<FreshdeskTicket>({ method: 'POST', url: '/tickets', data: ticket, idempotent: false, what: 'freshdesk.createTicket' });
  }

  /** GET /api/v2/tickets/{id}: its status tells whether a person resolved or closed it. */
  async getTicket(ticketId: number): Promise<FreshdeskTicket> {
    const ticket = await this.#request<FreshdeskTicket>({ method: 'GET', url: `/tickets/${ticketId}`, idempotent: true, what: 'freshdesk.getTicket' });
    if (ticket === null || typeof ticket !== 'object' || typeof ticket.status !== 'number') {
      throw new IntegrationError(
        'freshdesk',
        200,
        'bad-response',
        `freshdesk.getTicket: expected ticket ${ticketId} as a JSON object with a numeric status, got ${JSON.stringify(ticket)?.slice(0, 200)}`,
      );
    }
    return ticket;
  }

  /**
   * POST /api/v2/tickets/{id}/notes. Repeated after a timeout: a note twice is a small nuisance, a
   * lost recovery note is a wrong picture.
   */
  async addNote(ticketId: number, body: string, isPrivate: boolean): Promise<{ id: number }> {
    return this.#request<{ id: number }>({
      method: 'POST',
      url: `/tickets/${ticketId}/notes`,
      data: { body, private: isPrivate },
      idempotent: true,
      what: 'freshdesk.addNote',
    });
  }

  /** PUT /api/v2/tickets/{id}: status 4 resolves, a priority raises it. */
  async updateTicket(ticketId: number, fields: { status?: number; priority?: number }): Promise<FreshdeskTicket> {
    return this.#request<FreshdeskTicket>({ method: 'PUT', url: `/tickets/${ticketId}`, data: fields, idempotent: true, what: 'freshdesk.updateTicket' });
  }

  /**
   * The requester's tickets updated since `sinceMs`, newest first, up to `maxPages` pages of 100:
   * GET /api/v2/tickets?email=…&updated_since=…. The list (unlike search) sees a ticket the moment it
   * exists, which is what finding the result of an unanswered create needs.
   */
  async ticketsOf(email: string, sinceMs: number, maxPages = 10): Promise<FreshdeskTicket[]> {
    const all: FreshdeskTicket[] = [];
    for (let page = 1; page <= maxPages; page += 1) {
      const batch = await this.#request<FreshdeskTicket[]>({
        method: 'GET',
        url: '/tickets',
        params: { email, updated_since: new Date(sinceMs).toISOString(), order_by: 'created_at', order_type: 'desc', per_page: 100, page },
        idempotent: true,
        what: 'freshdesk.ticketsOf',
      });
      if (!Array.isArray(batch)) {
        throw new IntegrationError('freshdesk', 200, 'bad-response', `freshdesk.ticketsOf: expected a JSON array of tickets, got ${typeof batch}`);
      }
      all.push(...batch);
      if (batch.length < 100) break;
    }
    return all;
  }

  async #request<T>(spec: RequestSpec): Promise<T> {
    const { maxRetries } = this.#options;
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await this.#attempt(spec);
      if (outcome.kind === 'ok') return outcome.response.data as T;
      const error = outcome.error;
      const mayRetry = attempt < maxRetries && error.retryable && (spec.idempotent || !error.ambiguous);
      if (!mayRetry) throw error;
      let waitMs: number;
      if (outcome.retryAfterMs !== null) {
        if (outcome.retryAfterMs > this.#options.maxRetryAfterMs) throw error;
        waitMs = outcome.retryAfterMs;
      } else {
        waitMs = backoffDelayMs(attempt, this.#options.backoff, this.#options.random);
      }
      await this.#options.sleep(waitMs);
    }
  }

  async #attempt(spec: RequestSpec): Promise<{ kind: 'ok'; response: AxiosResponse } | { kind: 'failed'; error: IntegrationError; retryAfterMs: number | null }> {
    const label = `${spec.what}: ${spec.method} ${this.#options.baseUrl}/api/v2${spec.url}`;
    let response: AxiosResponse;
    try {
      response = await this.#http.request({ method: spec.method, url: spec.url, data: spec.data, params: spec.params });
    } catch (caught) {
      const code = (caught as { code?: unknown }).code;
      const codeText = typeof code === 'string' ? code : 'unknown error';
      const timedOut = codeText === 'ETIMEDOUT' || codeText === 'ECONNABORTED';
      // Refused means the request never reached Freshdesk; anything else may have been carried out.
      const ambiguous = codeText !== 'ECONNREFUSED' && codeText !== 'ENOTFOUND' && codeText !== 'EAI_AGAIN';
      const message = timedOut ? `${label} got no answer within ${this.#options.timeoutMs} ms` : `${label} failed: ${codeText}`;
      return { kind: 'failed', error: new IntegrationError('freshdesk', null, timedOut ? 'timeout' : 'unreachable', message, { ambiguous }), retryAfterMs: null };
    }
    const status = response.status;
    if (status >= 200 && status < 300) return { kind: 'ok', response };
    const detail = describeFreshdeskError(response.data);
    const fields = fieldErrors(response.data);
    const message = `${label} answered ${status}${detail ? ` ${detail}` : ''}`;
    if (status === 429) {
      const waitMs = retryAfterMs(response.headers['retry-after'], this.#options.nowMs());
      const waitText = waitMs === null ? 'no Retry-After' : `Retry-After ${Math.round(waitMs / 1000)} s`;
      return {
        kind: 'failed',
        error: new IntegrationError('freshdesk', status, 'rate-limited', `${message} (${waitText})`, { retryAfterMs: waitMs }),
        // Without a Retry-After, fall back to backoff.
        retryAfterMs: waitMs,
      };
    }
    if (status >= 500) {
      return { kind: 'failed', error: new IntegrationError('freshdesk', status, 'server-error', message, { ambiguous: true }), retryAfterMs: null };
    }
    const code = status === 401 || status === 403 ? 'unauthorized' : status === 404 ? 'not-found' : 'rejected';
    const hint = status === 401 ? ' (check the API key and the domain)' : '';
    return { kind: 'failed', error: new IntegrationError('freshdesk', status, code, `${message}${hint}`, { fields }), retryAfterMs: null };
  }
}

/**
 * Freshdesk's error bodies: `{description, errors: [{field, message, code}]}` for validation errors,
 * `{code, message}` for auth and other failures.
 */
function describeFreshdeskError(body: unknown): string {
  if (body === null || typeof body !== 'object') return '';
  const b = body as { description?: unknown; message?: unknown; code?: unknown };
  const parts: string[] = [];
  if (typeof b.description === 'string') parts.push(b.description);
  if (typeof b.message === 'string') parts.push(b.message);
  if (typeof b.code === 'string') parts.push(`(${b.code})`);
  const fields = fieldErrors(body);
  const head = parts.join(' ');
  if (fields.length === 0) return head.slice(0, 1000);
  return `${head}: ${fields.map((f) => `${f.field}: ${f.message} (${f.code})`).join('; ')}`.slice(0, 1000);
}

function fieldErrors(body: unknown): IntegrationFieldError[] {
  if (body === null || typeof body !== 'object') return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is Record<string, unknown> => e !== null && typeof e === 'object')
    .map((e) => ({ field: String(e.field ?? ''), message: String(e.message ?? ''), code: String(e.code ?? '') }));
}
