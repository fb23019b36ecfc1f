/** One round's mail: the subject names the worst change and counts the others; the body has them all. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emailMessage } from '../../../src/notify/email-message.js';
import { samplePath, transitionOf } from '../../integration/notify/support/sample-transitions.js';

describe('emailMessage', () => {
  const at = Date.UTC(2025, 0, 1, 12, 0, 0);
  it('names one transition plainly', () => {
    const m = emailMessage([transitionOf(samplePath('a', ['R1', 'R2']), 'UP', 'DEGRADED', at)], 'pathmon');
    assert.equal(m.subject, 'pathmon: R1 > R2 DEGRADED');
    assert.match(m.text, /R1 > R2: UP -> DEGRADED at 2025-01-01 12:00:00 UTC/);
  });
  it('puts the worst first in the subject and counts the rest', () => {
    const m = emailMessage(
      [
        transitionOf(samplePath('a', ['R1', 'R2']), 'DOWN', 'UP', at),
        transitionOf(samplePath('b', ['R1', 'R3']), 'UP', 'DEGRADED', at),
        transitionOf(samplePath('c', ['R1', 'R4']), 'DEGRADED', 'DOWN', at),
        transitionOf(samplePath('d', ['R1', 'R5']), 'UP', 'GONE', at),
      ],
      'lab',
    );
    assert.equal(m.subject, 'lab: R1 > R4 DOWN (+3 more)');
    assert.deepEqual(m.pathIds, ['c', 'b', 'a', 'd']);
    assert.match(m.text, /no longer exists/);
  });
  it('escapes names in the HTML body', () => {
    const m = emailMessage([transitionOf(samplePath('x', ['<script>', 'R2']), 'UP', 'DOWN', at)], 'pathmon');
    assert.ok(!m.html.includes('<script>'));
    assert.match(m.html, /&lt;script&gt;/);
  });
  it('refuses an empty round (the notifier sends no mail for it)', () => {
    assert.throws(() => emailMessage([], 'pathmon'));
  });
});
