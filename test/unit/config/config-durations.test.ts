/**
 * Durations in the config as the CLI writes them (`interval: 2s`, `timeout: 500ms`, `retention: 30d`)
 * beside the `…Ms` numbers that were already accepted: the same settings result, both spellings of one
 * setting is refused naming both, a bad duration names the key, the value and the forms accepted, and
 * `--since` keeps reading what it read before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig, parseDurationMs } from '../../../src/config/index.js';

const base = `
topology: topo.yaml
prober: { node: dev1 }
groups: [ { name: g, endpoints: [dev2], thresholds: { delay: 7.5ms } } ]
`;

function problem(text: string): string {
  try {
    parseConfig(text, '/etc/pathmon/monitor.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected the config to be rejected');
}

test('duration strings set the same settings as the millisecond numbers', () => {
  const withStrings = parseConfig(
    `${base}probing: { interval: 2s, probeSpacing: 100ms, timeout: 0.5s, probesPerRound: 5 }
localize: { probeSpacing: 2.5ms, probesPerWalk: 20 }
thresholds: { delay: 15ms, lossPct: 2 }
linkThresholds: { addedDelay: 0.25ms }
retention: 2w
`,
    '/x/c.yaml',
  );
  const withNumbers = parseConfig(
    `${base.replace('delay: 7.5ms', 'delayMs: 7.5')}probing: { intervalMs: 2000, probeSpacingMs: 100, timeoutMs: 500, probesPerRound: 5 }
localize: { probeSpacingMs: 2.5, probesPerWalk: 20 }
thresholds: { delayMs: 15, lossPct: 2 }
linkThresholds: { addedDelayMs: 0.25 }
retentionDays: 14
`,
    '/x/c.yaml',
  );
  assert.deepEqual(withStrings.probing, { intervalMs: 2000, probesPerRound: 5, probeSpacingMs: 100, timeoutMs: 500, mode: 'loop' });
  assert.equal(withStrings.localize.probeSpacingMs, 2.5);
  assert.deepEqual(withStrings.thresholds, { delayMs: 15, lossPct: 2 });
  assert.deepEqual(withStrings.groups[0]!.thresholds, { delayMs: 7.5, lossPct: 2 });
  assert.equal(withStrings.linkThresholds.addedDelayMs, 0.25);
  assert.equal(withStrings.retentionDays, 14);
  assert.deepEqual(withStrings, withNumbers);
});

test('both spellings of one setting are refused, naming both keys and both values', () => {
  const message = problem(`${base}probing: { interval: 2s, intervalMs: 3000 }\n`);
  assert.match(message, /probing\.interval \(2s\) and probing\.intervalMs \(3000\) are both set; expected one of them/);
  const inGroup = problem(base.replace('delay: 7.5ms', 'delay: 7.5ms, delayMs: 8'));
  assert.match(inGroup, /groups\[0\]\.thresholds\.delay \(7\.5ms\) and groups\[0\]\.thresholds\.delayMs \(8\)/);
  assert.match(problem(`${base}retention: 30d\nretentionDays: 30\n`), /retention \(30d\) and retentionDays \(30\)/);
});

test('a bad duration names the key, the value found and the forms expected', () => {
  const unitless = problem(`${base}probing: { interval: 2000 }\n`);
  assert.match(unitless, /probing\.interval: got 2000; expected the time between round starts as a number and a unit \(ms, s, m, h, d or w\)/);
  assert.match(unitless, /or intervalMs as a number/);
  assert.match(problem(`${base}probing: { timeout: 2 sec }\n`), /probing\.timeout: got "2 sec"; expected .*like 500ms, 2s/);
  assert.match(problem(`${base}probing: { interval: 5ms }\n`), /probing\.interval: got "5ms"; expected .*from 10ms to 1d/);
  assert.match(problem(`${base}retention: 36h\n`), /retention: got "36h"; expected a whole number of days from 1d to 3650d/);
  assert.match(problem(`${base}probing: { intreval: 2s }\n`), /unknown key "intreval"; expected one of .*interval, probeSpacing, timeout/);
});

test('cross-field rules name the key the author wrote, with the value as written', () => {
  const message = problem(`${base}probing: { interval: 500ms, timeout: 1s }\n`);
  assert.match(message, /probing\.timeout \(1s\) cannot exceed probing\.interval \(500ms\)/);
  const mixed = problem(`${base}probing: { intervalMs: 500, timeout: 1s }\n`);
  assert.match(mixed, /probing\.timeout \(1s\) cannot exceed probing\.intervalMs \(500\)/);
});

test('--since reads what it read before, and now fractions and milliseconds too', () => {
  assert.equal(parseDurationMs('24h'), 86_400_000);
  assert.equal(parseDurationMs('90s'), 90_000);
  assert.equal(parseDurationMs('2w'), 1_209_600_000);
  assert.equal(parseDurationMs(' 7 d '), 604_800_000);
  assert.equal(parseDurationMs('1.5h'), 5_400_000);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('0.1s'), 100);
  for (const bad of ['0h', '24', 'h', '-1h', '1e3s', '1,5h', '24hours', '']) {
    assert.throws(
      () => parseDurationMs(bad),
      (error: unknown) => error instanceof ConfigError && error.message.includes(`"${bad}"`),
      bad,
    );
  }
});
