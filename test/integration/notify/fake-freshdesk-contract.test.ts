/**
 * The fake Freshdesk itself keeps the v2 contract the notifier tests rely on, checked with plain
 * fetch: a lenient fake would let a broken client pass.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';

describe('fake Freshdesk contract', () => {
  let fd: FakeFreshdesk;
  const auth = `Basic ${Buffer.from('k1:X').toString('base64')}`;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${fd.baseUrl}${path}`, { method: 'POST', body, headers: { Authorization: auth, 'Content-Type': 'application/json', ...headers } });
  before(async () => {
    fd = await startFakeFreshdesk({ apiKey: 'k1' });
  });
  after(async () => {
    await fd.close();
  });

  it('401 without or with a wrong key', async () => {
    const none = await fetch(`${fd.baseUrl}/api/v2/tickets`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { code: string }).code, 'invalid_credentials');
    const wrong = await fetch(`${fd.baseUrl}/api/v2/tickets`, { headers: { Authorization: `Basic ${Buffer.from('k2:X').toString('base64')}` } });
    assert.equal(wrong.status, 401);
  });

  it('400 with every missing field of a create, 415 without JSON, 400 on broken JSON', async () => {
    const res = await post('/api/v2/tickets', '{}');
    assert.equal(res.status, 400);
    const body = (await res.json()) as { description: string; errors: { field: string; code: string }[] };
    assert.equal(body.description, 'Validation failed');
    assert.deepEqual(body.errors.map((e) => e.field).sort(), ['description', 'priority', 'requester_id', 'source', 'status', 'subject']);
    assert.equal((await post('/api/v2/tickets', '{}', { 'Content-Type': 'text/plain' })).status, 415);
    assert.equal((await post('/api/v2/tickets', '{"subject":')).status, 400);
  });

  it('creates, notes, resolves; 404 on unknown tickets; 429 carries Retry-After', async () => {
    const created = await post('/api/v2/tickets', JSON.stringify({ email: 'a@b.c', subject: 's', description: '<p>d</p>', status: 2, priority: 1, source: 2 }));
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: number };
    assert.equal((await post(`/api/v2/tickets/${id}/notes`, JSON.stringify({ body: 'n', private: true }))).status, 201);
    assert.equal((await post(`/api/v2/tickets/${id}/notes`, JSON.stringify({ private: true }))).status, 400);
    assert.equal((await post(`/api/v2/tickets/999/notes`, JSON.stringify({ body: 'n' }))).status, 404);
    const put = await fetch(`${fd.baseUrl}/api/v2/tickets/${id}`, { method: 'PUT', body: JSON.stringify({ status: 4 }), headers: { Authorization: auth, 'Content-Type': 'application/json' } });
    assert.equal(put.status, 200);
    assert.equal(fd.ticket(id)?.status, 4);
    fd.fail(1, { status: 429, retryAfterS: 12 });
    const limited = await fetch(`${fd.baseUrl}/api/v2/tickets`, { headers: { Authorization: auth } });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '12');
  });
});
