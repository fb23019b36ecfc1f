/**
 * A ticket desk for labs and tests: an HTTP server that behaves like Freshdesk's API v2 for the calls
 * pathmon makes, so the notifier and the isolation workflow run against the published contract rather
 * than against themselves. `pathmon lab desk` runs one for a lab, where an engineer plays the
 * data-center team and resolves tickets through the same API (`PUT /api/v2/tickets/ID {"status": 4}`).
 *
 * - Basic auth with the API key as user name (any password, Freshdesk's convention is `X`);
 *   otherwise 401 `{code: "invalid_credentials", message}`;
 * - POST /api/v2/tickets: JSON only (415 otherwise); a requester (one of requester_id, email, phone,
 *   twitter_id, facebook_id, unique_external_id), subject, description, status (2 open, 3 pending,
 *   4 resolved, 5 closed), priority (1 low .. 4 urgent) and source (1, 2, 3, 7, 9, 10) are required
 *   here; a wrong or unknown field gets 400 `{description: "Validation failed", errors: [{field,
 *   message, code}]}` with codes missing_field / invalid_value / datatype_mismatch / invalid_field;
 * - POST /api/v2/tickets/{id}/notes `{body, private}`, PUT /api/v2/tickets/{id}, GET /api/v2/tickets/{id},
 *   GET /api/v2/tickets?email=&updated_since=&per_page=&page= (newest first; 400 on `email` when no
 *   contact has that address, as Freshdesk does); 404 for unknown tickets.
 *
 * Faults are scripted per request: `fd.fail(2, {status: 429, retryAfterS: 1})`, `fd.fail(1, {status:
 * 500})`, `fd.fail(1, {hang: true})` (no answer until the client gives up) or `{hang: true, process: true}`
 * (the work is done, the answer never comes: the ambiguous create), or `{hold: true}` (held until the test
 * calls `fd.release()`, then carried out and answered: a request that hangs while others go on). Each
 * fault may be limited to a method and path. `fd.agentSetsStatus(id, 5)` is an agent closing a ticket.
 * Assertions read `fd.tickets`, `fd.requests`, `fd.held()` and `fd.ticket(id).notes`.
 *
 * Usage:
 *   const fd = await startFreshdeskDesk({ apiKey: 'k' });   // fd.baseUrl = http://127.0.0.1:PORT
 *   ...; await fd.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DeskNote {
  id: number;
  body: string;
  private: boolean;
  createdAtMs: number;
}

export interface DeskTicket {
  id: number;
  subject: string;
  description: string;
  status: number;
  priority: number;
  source: number;
  tags: string[];
  email: string | null;
  group_id: number | null;
  createdAtMs: number;
  updatedAtMs: number;
  notes: DeskNote[];
  /** Every PUT body, in order. */
  updates: Record<string, unknown>[];
}

export interface DeskRequest {
  method: string;
  path: string;
  /** The status answered; null when the fault held the answer back. */
  status: number | null;
  body: unknown;
}

export type DeskFault = { status: number; retryAfterS?: number; body?: unknown } | { hang: true /** Do the work, then never answer. */; process?: boolean } | { hold: true };

export interface FaultMatch {
  method?: string;
  /** Matched against the path without the query string, e.g. /^\/api\/v2\/tickets$/. */
  path?: RegExp;
}

export interface FreshdeskDesk {
  readonly baseUrl: string;
  readonly tickets: DeskTicket[];
  readonly requests: DeskRequest[];
  ticket(id: number): DeskTicket | undefined;
  /** The next `times` requests matching `match` get `fault` instead of the normal answer. */
  fail(times: number, fault: DeskFault, match?: FaultMatch): void;
  /** As if an agent deleted the ticket: later calls on it get 404. */
  deleteTicket(id: number): void;
  /** As if an agent changed the ticket's status (4 resolved, 5 closed) in Freshdesk. */
  agentSetsStatus(id: number, status: number): void;
  /** Requests held by a `hold` fault and not yet released. */
  held(): DeskRequest[];
  /** Carries out and answers every held request. */
  release(): void;
  /** Drops every scripted fault not yet used. */
  clearFaults(): void;
  close(): Promise<void>;
}

const ticketFields = new Set([
  'name',
  'requester_id',
  'email',
  'facebook_id',
  'phone',
  'twitter_id',
  'unique_external_id',
  'subject',
  'type',
  'status',
  'priority',
  'description',
  'responder_id',
  'attachments',
  'cc_emails',
  'custom_fields',
  'due_by',
  'email_config_id',
  'fr_due_by',
  'group_id',
  'parent_id',
  'product_id',
  'source',
  'tags',
  'company_id',
  'internal_agent_id',
  'internal_group_id',
  'lookup_parameter',
]);
const requesterFields = ['requester_id', 'email', 'phone', 'twitter_id', 'facebook_id', 'unique_external_id'];
const statuses = [2, 3, 4, 5];
const priorities = [1, 2, 3, 4];
const sources = [1, 2, 3, 7, 9, 10];
const maxBodyBytes = 1_000_000;

interface FieldError {
  field: string;
  message: string;
  code: string;
}

export interface FreshdeskDeskOptions {
  apiKey: string;
  port?: number;
  /** Told each ticket opened, note added and status changed, as one line (what `lab desk` prints). */
  onChange?: (line: string) => void;
}

/** A note's HTML as one line of text, for the desk's own log. */
function plainText(html: string): string {
  const entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' };
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(lt|gt|quot|#39|amp);/g, (entity) => entities[entity] ?? entity)
    .replace(/\s+/g, ' ')
    .trim();
}

const statusNames: Record<number, string> = { 2: 'open', 3: 'pending', 4: 'resolved', 5: 'closed' };

export async function startFreshdeskDesk(options: FreshdeskDeskOptions): Promise<FreshdeskDesk> {
  const told = (line: string) => options.onChange?.(line);
  const tickets: DeskTicket[] = [];
  const requests: DeskRequest[] = [];
  const faults: { remaining: number; fault: DeskFault; match: FaultMatch }[] = [];
  const deleted = new Set<number>();
  let nextId = 1;
  let nextNoteId = 1000;

  const send = (res: ServerResponse, record: DeskRequest, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    record.status = status;
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    res.end(text);
  };
  const invalid = (res: ServerResponse, record: DeskRequest, errors: FieldError[]) => send(res, record, 400, { description: 'Validation failed', errors });

  const findTicket = (id: number) => (deleted.has(id) ? undefined : tickets.find((t) => t.id === id));
  const ticketJson = (t: DeskTicket) => ({
    id: t.id,
    subject: t.subject,
    description: t.description,
    description_text: t.description.replace(/<[^>]*>/g, ''),
    status: t.status,
    priority: t.priority,
    source: t.source,
    tags: t.tags,
    group_id: t.group_id,
    requester_id: 42,
    created_at: new Date(t.createdAtMs).toISOString(),
    updated_at: new Date(t.updatedAtMs).toISOString(),
  });

  const takeFault = (method: string, path: string): DeskFault | null => {
    const entry = faults.find((f) => f.remaining > 0 && (f.match.method === undefined || f.match.method === method) && (f.match.path === undefined || f.match.path.test(path)));
    if (entry === undefined) return null;
    entry.remaining -= 1;
    return entry.fault;
  };

  const authorised = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(header);
    if (match === null) return false;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 && decoded.slice(0, colon) === options.apiKey;
  };

  /** The validation Freshdesk applies to a ticket's fields on create (`creating`) and update. */
  const validateTicket = (body: Record<string, unknown>, creating: boolean): FieldError[] => {
    const errors: FieldError[] = [];
    for (const key of Object.keys(body)) {
      if (!ticketFields.has(key)) errors.push({ field: key, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
    }
    if (creating && !requesterFields.some((f) => body[f] !== undefined)) {
      errors.push({ field: 'requester_id', message: `Please fill at least 1 of ${requesterFields.join(', ')} attributes`, code: 'missing_field' });
    }
    if (body.email !== undefined && (typeof body.email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(body.email))) {
      errors.push({ field: 'email', message: "It should be in the 'valid email address' format", code: 'invalid_value' });
    }
    for (const field of ['subject', 'description']) {
      if (body[field] === undefined) {
        if (creating) errors.push({ field, message: 'It should be a/an String', code: 'missing_field' });
      } else if (typeof body[field] !== 'string') {
        errors.push({ field, message: 'It should be a/an String', code: 'datatype_mismatch' });
      }
    }
    const oneOf = (field: string, allowed: number[]) => {
      const value = body[field];
      if (value === undefined) {
        if (creating) errors.push({ field, message: `It should be one of these values: '${allowed.join(',')}'`, code: 'missing_field' });
      } else if (!Number.isInteger(value)) {
        errors.push({ field, message: 'It should be a/an Integer', code: 'datatype_mismatch' });
      } else if (!allowed.includes(value as number)) {
        errors.push({ field, message: `It should be one of these values: '${allowed.join(',')}'`, code: 'invalid_value' });
      }
    };
    oneOf('status', statuses);
    oneOf('priority', priorities);
    oneOf('source', sources);
    if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string'))) {
      errors.push({ field: 'tags', message: 'It should be a/an Array', code: 'datatype_mismatch' });
    }
    if (body.group_id !== undefined && !(Number.isInteger(body.group_id) && (body.group_id as number) > 0)) {
      errors.push({ field: 'group_id', message: 'It should be a/an Positive Integer', code: 'datatype_mismatch' });
    }
    return errors;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string, record: DeskRequest, answer: boolean) => {
    const reply = answer
      ? send
      : (_res: ServerResponse, rec: DeskRequest) => {
          rec.status = null;
        };
    if (!authorised(req)) {
      return reply(res, record, 401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    let body: Record<string, unknown> = {};
    if (method === 'POST' || method === 'PUT') {
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return reply(res, record, 415, { code: 'invalid_content_type', message: "Content-Type header should have 'application/json'" });
      }
      try {
        const parsed: unknown = JSON.parse(raw);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        return reply(res, record, 400, { description: 'Validation failed', errors: [{ code: 'invalid_json', message: 'Request body has invalid json format' }] });
      }
      record.body = body;
    }
    const now = Date.now();
    const ticketPath = /^\/api\/v2\/tickets\/(\d+)$/.exec(url.pathname);
    const notePath = /^\/api\/v2\/tickets\/(\d+)\/notes$/.exec(url.pathname);

    if (url.pathname === '/api/v2/tickets' && method === 'POST') {
      const errors = validateTicket(body, true);
      if (errors.length > 0) return answer ? invalid(res, record, errors) : reply(res, record, 400);
      const ticket: DeskTicket = {
        id: nextId++,
        subject: body.subject as string,
        description: body.description as string,
        status: body.status as number,
        priority: body.priority as number,
        source: body.source as number,
        tags: (body.tags as string[] | undefined) ?? [],
        email: typeof body.email === 'string' ? body.email : null,
        group_id: (body.group_id as number | undefined) ?? null,
        createdAtMs: now,
        updatedAtMs: now,
        notes: [],
        updates: [],
      };
      tickets.push(ticket);
      told(`ticket #${ticket.id} opened (${statusNames[ticket.status]}): ${ticket.subject}`);
      return reply(res, record, 201, ticketJson(ticket), { Location: `/api/v2/tickets/${ticket.id}` });
    }
    if (url.pathname === '/api/v2/tickets' && method === 'GET') {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
        return invalid(res, record, [{ field: 'per_page', message: 'It should be a Positive Integer less than or equal to 100', code: 'invalid_value' }]);
      }
      const email = url.searchParams.get('email');
      // Freshdesk answers a filter on an address it has no contact for with a validation error.
      if (email !== null && !tickets.some((t) => t.email === email)) {
        return invalid(res, record, [{ field: 'email', message: 'There is no contact matching the given email', code: 'invalid_value' }]);
      }
      const sinceText = url.searchParams.get('updated_since');
      const sinceMs = sinceText === null ? now - 30 * 24 * 3600 * 1000 : Date.parse(sinceText);
      if (Number.isNaN(sinceMs)) {
        return invalid(res, record, [{ field: 'updated_since', message: "It should be in the 'combined date and time ISO8601' format", code: 'invalid_value' }]);
      }
      const matching = tickets.filter((t) => !deleted.has(t.id) && (email === null || t.email === email) && t.updatedAtMs >= sinceMs).sort((a, b) => b.createdAtMs - a.createdAtMs || b.id - a.id);
      return reply(res, record, 200, matching.slice((page - 1) * perPage, page * perPage).map(ticketJson));
    }
    if (ticketPath !== null && (method === 'GET' || method === 'PUT')) {
      const ticket = findTicket(Number(ticketPath[1]));
      if (ticket === undefined) return reply(res, record, 404);
      if (method === 'PUT') {
        const errors = validateTicket(body, false);
        if (errors.length > 0) return answer ? invalid(res, record, errors) : reply(res, record, 400);
        ticket.updates.push(body);
        if (body.status !== undefined && body.status !== ticket.status) told(`ticket #${ticket.id} ${statusNames[ticket.status]} -> ${statusNames[body.status as number]}: ${ticket.subject}`);
        for (const key of ['status', 'priority', 'subject', 'description', 'tags', 'group_id'] as const) {
          if (body[key] !== undefined) (ticket as unknown as Record<string, unknown>)[key] = body[key];
        }
        ticket.updatedAtMs = now;
      }
      return reply(res, record, 200, ticketJson(ticket));
    }
    if (notePath !== null && method === 'POST') {
      const ticket = findTicket(Number(notePath[1]));
      if (ticket === undefined) return reply(res, record, 404);
      const errors: FieldError[] = [];
      const allowed = new Set(['body', 'private', 'incoming', 'notify_emails', 'user_id', 'attachments']);
      for (const key of Object.keys(body)) {
        if (!allowed.has(key)) errors.push({ field: key, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
      }
      if (body.body === undefined) errors.push({ field: 'body', message: 'It should be a/an String', code: 'missing_field' });
      else if (typeof body.body !== 'string') errors.push({ field: 'body', message: 'It should be a/an String', code: 'datatype_mismatch' });
      if (body.private !== undefined && typeof body.private !== 'boolean') {
        errors.push({ field: 'private', message: 'It should be a/an Boolean', code: 'datatype_mismatch' });
      }
      if (errors.length > 0) return answer ? invalid(res, record, errors) : reply(res, record, 400);
      const note: DeskNote = { id: nextNoteId++, body: body.body as string, private: (body.private as boolean | undefined) ?? true, createdAtMs: now };
      ticket.notes.push(note);
      told(`note on ticket #${ticket.id}: ${plainText(note.body).slice(0, 300)}`);
      ticket.updatedAtMs = now;
      return reply(res, record, 201, { id: note.id, body: note.body, private: note.private, ticket_id: ticket.id, incoming: false, created_at: new Date(now).toISOString() });
    }
    return reply(res, record, 404, { code: 'invalid_url', message: `${method} ${url.pathname} is not an API v2 route here` });
  };

  const held = new Set<ServerResponse>();
  const holding: { record: DeskRequest; run: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const method = req.method ?? 'GET';
      const record: DeskRequest = { method, path, status: null, body: undefined };
      requests.push(record);
      if (tooLarge) return send(res, record, 413, { code: 'request_too_large', message: 'Request body too large' });
      const fault = takeFault(method, path);
      if (fault !== null && 'hold' in fault) {
        const raw = Buffer.concat(chunks).toString('utf8');
        holding.push({ record, run: () => handle(req, res, raw, record, true) });
        return;
      }
      if (fault !== null && 'hang' in fault) {
        held.add(res);
        res.on('close', () => held.delete(res));
        if (fault.process === true) handle(req, res, Buffer.concat(chunks).toString('utf8'), record, false);
        return;
      }
      if (fault !== null) {
        const headers: Record<string, string> = fault.retryAfterS !== undefined ? { 'Retry-After': String(fault.retryAfterS) } : {};
        const body =
          fault.body ??
          (fault.status === 429 ? { code: 'too_many_requests', message: 'You have exceeded the limit of requests per minute' } : { code: 'internal_error', message: 'We are facing some issues' });
        return send(res, record, fault.status, body, headers);
      }
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'), record, true);
      } catch (error) {
        send(res, record, 500, { code: 'fake_bug', message: String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    tickets,
    requests,
    ticket: (id) => tickets.find((t) => t.id === id),
    fail: (times, fault, match = {}) => faults.push({ remaining: times, fault, match }),
    deleteTicket: (id) => deleted.add(id),
    agentSetsStatus: (id, status) => {
      const ticket = tickets.find((t) => t.id === id);
      if (ticket === undefined) throw new Error(`desk.agentSetsStatus: no ticket ${id}`);
      ticket.status = status;
      ticket.updatedAtMs = Date.now();
    },
    held: () => holding.map((h) => h.record),
    release: () => {
      for (const h of holding.splice(0)) h.run();
    },
    clearFaults: () => {
      faults.length = 0;
    },
    close: async () => {
      holding.length = 0;
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
