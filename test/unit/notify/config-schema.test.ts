/** The notifier config sections: small configs work with defaults, mistakes name the setting. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emailConfigSchema, freshdeskConfigSchema } from '../../../src/notify/config-schema.js';
import { freshdeskBaseUrl } from '../../../src/notify/build-notifiers.js';

const issuePaths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => (result.error?.issues ?? []).map((i) => i.path.join('.'));

describe('notifier config', () => {
  it('a minimal freshdesk section gets the documented defaults', () => {
    const c = freshdeskConfigSchema.parse({ domain: 'acme', apiKey: { env: 'FRESHDESK_API_KEY' }, requesterEmail: 'noc@localhost' });
    assert.deepEqual(c.priority, { DEGRADED: 2, DOWN: 4 });
    assert.equal(c.source, 2);
    assert.equal(c.timeoutMs, 10_000);
    assert.equal(freshdeskBaseUrl(c), 'https://acme.freshdesk.com');
    assert.equal(freshdeskBaseUrl({ domain: 'support.example.com' }), 'https://support.example.com');
    assert.equal(freshdeskBaseUrl({ baseUrl: 'http://127.0.0.1:9/api/v2/' }), 'http://127.0.0.1:9');
  });
  it('names what is wrong in a freshdesk section', () => {
    assert.deepEqual(issuePaths(freshdeskConfigSchema.safeParse({ apiKey: { env: 'K' }, requesterEmail: 'a@b' })), ['domain']);
    assert.deepEqual(issuePaths(freshdeskConfigSchema.safeParse({ domain: 'a', apiKey: 'literal-key', requesterEmail: 'a@b' })), ['apiKey']);
    assert.deepEqual(issuePaths(freshdeskConfigSchema.safeParse({ domain: 'a', apiKey: { env: 'K' }, requesterEmail: 'a@b', priority: { DOWN: 5 } })), ['priority.DOWN']);
    assert.deepEqual(issuePaths(freshdeskConfigSchema.safeParse({ domain: 'a', apiKey: { env: 'K' }, requesterEmail: 'a@b', colour: 'red' })), ['']);
  });
  it('e-mail: defaults, recipients required, user and password together', () => {
    const c = emailConfigSchema.parse({ host: 'smtp.example.com', from: 'pathmon@example.com', to: ['noc@example.com'] });
    assert.equal(c.port, 587);
    assert.equal(c.tls, 'starttls');
    assert.deepEqual(issuePaths(emailConfigSchema.safeParse({ host: 'h', from: 'a@b', to: [] })), ['to']);
    assert.deepEqual(issuePaths(emailConfigSchema.safeParse({ host: 'h', from: 'a@b', to: ['c@d'], user: 'u' })), ['password']);
    assert.equal(emailConfigSchema.safeParse({ host: 'h', from: 'a@b', to: ['c@d'], user: 'u', password: { file: '/run/secrets/smtp' } }).success, true);
  });
});
