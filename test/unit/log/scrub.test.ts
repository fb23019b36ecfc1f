/**
 * No secret reaches a log line: a registered secret value in the message, in a field (nested, in an
 * array, as a key), in an error's message, code and cause, in a child's bindings, or as a Secret
 * object, is written as `[redacted]` in both formats; so are credentials in a URL nobody registered.
 * An error's other properties (an HTTP client's request headers) are not written at all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, type LogFormat } from '../../../src/log/index.js';
import { registerSecretValue, Secret } from '../../../src/secrets/index.js';
import { collector } from './collect.js';

// Quotes and a backslash: JSON escapes them, so a scrubber working on the serialised line would miss it.
const API_KEY = 'fd-key-"quoted"\\and-slashed-7731';
const PASSWORD = 'pw-Zq81-unique-9910';
registerSecretValue(API_KEY);
registerSecretValue(PASSWORD);

function everyWay(format: LogFormat, level: 'info' | 'debug' = 'info'): string {
  const out = collector();
  const log = createLogger({ level, format, destination: out });
  log.info(`calling Freshdesk with key ${API_KEY}`);
  log.warn('field', { apiKey: API_KEY, nested: { list: ['ok', `pw=${PASSWORD}`] }, [PASSWORD]: 'as a key' });
  const cause = new Error(`connect failed for postgres://pathmon:${PASSWORD}@db.example/pathmon`);
  const error = Object.assign(new Error(`401 for key ${API_KEY}`, { cause }), {
    code: `E_${PASSWORD}`,
    config: { headers: { Authorization: 'Basic c2VjcmV0LWhlYWRlci12YWx1ZQ==' } },
  });
  log.error('ticket failed', { err: error });
  log.child({ component: 'notify', token: PASSWORD }).info('bound');
  log.info('a Secret object', { key: new Secret('an-object-secret-5521', 'env PATHMON_TEST_KEY') });
  log.info('unregistered URL credentials', { url: 'postgres://monitor:hunter2-unregistered@127.0.0.1:5432/test' });
  return out.text();
}

describe('secrets are scrubbed', () => {
  for (const format of ['json', 'text'] as LogFormat[]) {
    for (const level of ['info', 'debug'] as const) {
      it(`from messages, fields, keys, errors, causes, bindings and Secret objects (${format}, ${level})`, () => {
        const text = everyWay(format, level);
        for (const secret of [API_KEY, JSON.stringify(API_KEY).slice(1, -1), PASSWORD, 'an-object-secret-5521', 'hunter2-unregistered', 'c2VjcmV0LWhlYWRlci12YWx1ZQ==']) {
          assert.equal(text.includes(secret), false, `${secret} leaked:\n${text}`);
        }
        // What is around the secrets is still written, and the lines are still lines.
        assert.match(text, /calling Freshdesk with key \[redacted\]/);
        assert.match(text, /401 for key \[redacted\]/);
        assert.match(text, /\[secret env PATHMON_TEST_KEY\]/);
        assert.match(text, /postgres:\/\/monitor:\[redacted\]@127\.0\.0\.1/);
        assert.match(text, /postgres:\/\/pathmon:\[redacted\]@db\.example/);
        if (format === 'json') {
          const lines = text.trimEnd().split('\n');
          assert.equal(lines.length, 6);
          for (const line of lines) JSON.parse(line);
        }
      });
    }
  }

  it('a value registered after the logger was made is scrubbed too', () => {
    const out = collector();
    const log = createLogger({ format: 'json', destination: out });
    const late = 'late-registered-secret-4471';
    log.info(`before ${late}`);
    registerSecretValue(late);
    log.info(`after ${late}`);
    const [before, after] = out.records();
    assert.equal(before?.msg, `before ${late}`, 'only registered values are secrets');
    assert.equal(after?.msg, 'after [redacted]');
  });
});
