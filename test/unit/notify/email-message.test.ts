/** One incident change's mail: the subject names the change and the subject; the body has its evidence. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emailMessage } from '../../../src/notify/email-message.js';
import { linkChange, pathChange } from '../../integration/notify/support/sample-incidents.js';
import { samplePath } from '../../integration/notify/support/sample-transitions.js';

describe('emailMessage', () => {
  const at = Date.UTC(2025, 0, 1, 12, 0, 0);
  it('names a path incident in the old path wording', () => {
    const m = emailMessage(pathChange(samplePath('a', ['R1', 'R2']), 'UP', 'DEGRADED', at), 'pathmon');
    assert.equal(m.subject, '[pathmon] opened: R1 > R2 DEGRADED');
    assert.match(m.text, /R1 > R2: UP -> DEGRADED at 2025-01-01 12:00:00 UTC/);
    assert.deepEqual(m.subjectKeys, ['path:a']);
  });
  it('names a link incident by link, direction and estimate, per change', () => {
    const opened = linkChange({ atMs: at, kind: 'down', controlPlaneUp: true });
    assert.equal(emailMessage(opened, 'pathmon').subject, '[pathmon] opened: R4→R6: 100 % loss (data plane down, control plane up)');
    const delay = linkChange({ atMs: at, change: 'updated', linkKeys: ['R2->R4', 'R4->R2'], label: 'R2↔R4', kind: 'delay', addedDelayMs: 2.04, previous: opened.incident });
    const m = emailMessage(delay, 'lab');
    assert.equal(m.subject, '[lab] updated: R2↔R4: +2.0 ms one-way delay');
    assert.match(m.text, /Before: R4→R6: 100 % loss/);
    assert.match(m.text, /both directions: R2->R4, R4->R2/);
    assert.deepEqual(m.subjectKeys, ['link:R2->R4,R4->R2']);
    const resolved = emailMessage(linkChange({ atMs: at, change: 'resolved', kind: 'loss', lossPct: 4.66 }), 'pathmon');
    assert.equal(resolved.subject, '[pathmon] resolved: R4→R6: 4.7 % loss');
    assert.match(resolved.text, /healthy for 3 rounds/);
    assert.match(resolved.text, /resolved +2025-01-01 12:00:00 UTC/);
  });
  it('says a GONE path no longer exists', () => {
    const m = emailMessage(pathChange(samplePath('d', ['R1', 'R5']), 'DOWN', 'GONE', at), 'pathmon');
    assert.equal(m.subject, '[pathmon] resolved: R1 > R5 GONE');
    assert.match(m.text, /no longer exists/);
  });
  it('escapes names in the HTML body and keeps the subject on one line', () => {
    const m = emailMessage(pathChange(samplePath('x', ['<script>', 'R2']), 'UP', 'DOWN', at), 'pathmon');
    assert.ok(!m.html.includes('<script>'));
    assert.match(m.html, /&lt;script&gt;/);
    const evil = emailMessage(linkChange({ atMs: at, label: 'R4\r\nBcc: x@y→R6' }), 'pathmon');
    assert.ok(!/[\r\n]/.test(evil.subject));
  });
});
