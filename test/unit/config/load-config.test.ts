/**
 * The monitor config as an engineer meets it: defaults filled in, group overrides merged, every broken
 * field named with its value and what was expected, secrets never echoed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/repo-root.js';
import { ConfigError, loadConfigFile, parseConfig, redactedConfig } from '../../../src/config/index.js';

const minimal = `
topology: topo.yaml
prober: { node: dev1 }
groups: [ { name: g, endpoints: [dev2] } ]
`;

function configError(text: string): ConfigError {
  try {
    parseConfig(text, '/etc/pathmon/monitor.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the config to be rejected');
}

test('a minimal config gets every default and one target per endpoint', () => {
  const config = parseConfig(minimal, '/etc/pathmon/monitor.yaml');
  assert.equal(config.topology, 'file:/etc/pathmon/topo.yaml');
  assert.deepEqual(config.probing, { intervalMs: 10_000, probesPerRound: 10, probeSpacingMs: 100, timeoutMs: 1000, mode: 'loop' });
  assert.deepEqual(config.thresholds, { delayMs: 100, lossPct: 5 });
  assert.equal(config.hysteresisRounds, 3);
  assert.equal(config.storage, null);
  assert.equal(config.retentionDays, 30);
  assert.deepEqual(
    config.targets.map((t) => [t.group, t.from, t.to]),
    [['g', 'dev1', 'dev2']],
  );
});

test('a group threshold overrides only the field it names; the rest come from the defaults', () => {
  const config = parseConfig(
    `${minimal.replace('groups: [ { name: g, endpoints: [dev2] } ]', 'groups: [ { name: g, endpoints: [dev2, R4], thresholds: { delayMs: 7 }, pathBounds: { maxHops: 4 } }, { name: h, endpoints: [R5] } ]')}
thresholds: { lossPct: 2 }`,
    '/x/c.yaml',
  );
  assert.deepEqual(config.groups[0]!.thresholds, { delayMs: 7, lossPct: 2 });
  assert.deepEqual(config.groups[1]!.thresholds, { delayMs: 100, lossPct: 2 });
  assert.equal(config.groups[0]!.bounds.maxHops, 4);
  assert.equal(config.groups[1]!.bounds.maxHops, 16);
  assert.deepEqual(
    config.targets.map((t) => `${t.group}:${t.to}:${t.thresholds.delayMs}`),
    ['g:dev2:7', 'g:R4:7', 'h:R5:100'],
  );
});

test('relative paths are relative to the config file; exabgp: and pglite: keep their prefix', () => {
  const config = parseConfig(`${minimal.replace('topology: topo.yaml', 'topology: exabgp:exabgp.conf')}\nstorage: pglite:data`, '/srv/pm/c.yaml');
  assert.equal(config.topology, 'exabgp:/srv/pm/exabgp.conf');
  assert.equal(config.storage?.url, 'pglite:/srv/pm/data');
});

test('a timeout longer than the interval names both fields and both values', () => {
  const error = configError(`${minimal}probing: { intervalMs: 500, timeoutMs: 1000 }`);
  assert.equal(error.path, 'probing.timeoutMs');
  assert.match(error.message, /timeoutMs \(1000\) cannot exceed probing\.intervalMs \(500\)/);
  assert.match(error.where, /monitor\.yaml:5 /);
});

test('a round that cannot finish inside the interval is rejected with the arithmetic shown', () => {
  const error = configError(`${minimal}probing: { intervalMs: 1000, probesPerRound: 10, probeSpacingMs: 100, timeoutMs: 500 }`);
  assert.match(error.message, /probesPerRound \(10\).*probeSpacingMs \(100\).*timeoutMs \(500\) = 1400 ms.*intervalMs \(1000\)/);
});

test('an unknown key is rejected by name, with the keys that are allowed there', () => {
  const error = configError(`${minimal}hysteresisRound: 3`);
  assert.equal(error.path, 'hysteresisRound');
  assert.match(error.message, /unknown key "hysteresisRound"; expected one of .*hysteresisRounds/);
  const nested = configError(minimal.replace('{ node: dev1 }', '{ node: dev1, adress: 1.2.3.4 }'));
  assert.equal(nested.path, 'prober.adress');
});

test('every bad field is reported at once, each with its value and what was expected', () => {
  const error = configError(`${minimal}thresholds: { lossPct: 150, delayMs: fast }\nhysteresisRounds: 0`);
  assert.match(error.message, /thresholds\.lossPct: got 150; expected a number of percent from 0 to 100/);
  assert.match(error.message, /thresholds\.delayMs: got "fast"; expected a number of milliseconds/);
  assert.match(error.message, /hysteresisRounds: got 0; expected a whole number of rounds from 1 to 1000/);
});

test('missing required fields are named', () => {
  const error = configError('prober: { node: dev1 }');
  assert.match(error.message, /topology: missing; expected a topology file path/);
});

test('a config with neither groups nor targets is refused, naming both', () => {
  const error = configError('topology: t.yaml\nprober: { node: dev1 }');
  assert.match(error.message, /groups: expected at least one of groups \(paths between topology nodes\) or targets/);
});

test('group names must be unique and the prober is not its own endpoint', () => {
  const error = configError(minimal.replace('groups: [ { name: g, endpoints: [dev2] } ]', 'groups: [ { name: g, endpoints: [dev2] }, { name: g, endpoints: [dev1] } ]'));
  assert.match(error.message, /groups\[1\]\.name: got "g", already the name of groups\[0\]/);
  assert.match(error.message, /groups\[1\]\.endpoints\[0\] \(dev1\) is prober\.node \(dev1\)/);
});

test('an endpoint in two groups is refused: its paths would have two states and two tickets', () => {
  const error = configError(minimal.replace('groups: [ { name: g, endpoints: [dev2] } ]', 'groups: [ { name: g, endpoints: [dev2] }, { name: h, endpoints: [R4, dev2] } ]'));
  assert.equal(error.path, 'groups[1].endpoints[1]');
  assert.match(error.message, /\(dev2\) is also in group g/);
});

test('YAML syntax errors and non-mappings are ConfigErrors with a line, never a crash', () => {
  assert.match(configError('groups: [1, 2').where, /monitor\.yaml:\d+/);
  assert.match(configError('- just\n- a list').message, /expected a mapping/);
  assert.match(configError('').message, /expected a mapping/);
  assert.match(configError('a: &a [*a, *a]\n').message, /config\.parseConfig/);
});

test('a secret written into the config is refused without being echoed', () => {
  const apiKey = 'sk_live_do_not_print_me';
  const error = configError(`${minimal}notifiers:\n  freshdesk: { baseUrl: "http://127.0.0.1:9", apiKey: "${apiKey}", requesterEmail: noc@example.net }`);
  assert.equal(error.path, 'notifiers.freshdesk.apiKey');
  assert.ok(!error.message.includes(apiKey), error.message);
  const password = 'hunter2-secret';
  const inUrl = configError(`${minimal}storage: "postgres://pm:${password}@db.example.net/pm"`);
  assert.ok(!inUrl.message.includes(password), inUrl.message);
  assert.match(inUrl.message, /password: \{ env: PGPASSWORD \}/);
  const literal = configError(`${minimal}notifiers:\n  email: { host: h, from: a@b.c, to: [a@b.c], user: u, password: "${password}" }`);
  assert.ok(!literal.message.includes(password), literal.message);
});

test('the redacted config keeps secret references (they name no secret) and nothing else secret', () => {
  const config = parseConfig(
    `${minimal}storage: { url: "postgres://pm@db/pm", password: { env: PM_DB_PW } }
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:9", apiKey: { file: key.txt }, requesterEmail: noc@example.net }`,
    '/srv/pm/c.yaml',
  );
  const shown = JSON.stringify(redactedConfig(config));
  assert.match(shown, /"password":\{"env":"PM_DB_PW"\}/);
  assert.match(shown, /"apiKey":\{"file":"\/srv\/pm\/key\.txt"\}/);
});

test('the lab configs shipped with pathmon are valid', () => {
  for (const file of ['lab/configs/nanog76-monitor.yaml', 'lab/configs/nanog76-full.yaml']) {
    const config = loadConfigFile(join(repoRoot, file));
    assert.equal(config.prober.node, 'dev1');
    assert.match(config.topology, /^file:.*lab\/topologies\/nanog76\.yaml$/);
  }
});

test('an unreadable file is a ConfigError naming the file', () => {
  assert.throws(
    () => loadConfigFile('/nonexistent/pathmon.yaml'),
    (error: unknown) => error instanceof ConfigError && /\/nonexistent\/pathmon\.yaml: ENOENT/.test(error.message),
  );
});
