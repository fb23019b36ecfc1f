/**
 * `pathmon run --targets FILE`: the network-telemetry seed's targets.yaml shapes load unchanged (a list
 * of hosts is a ping group, host: port a TCP group), pathmon's own group list loads too, and a
 * malformed file names the line, the key, the value and what was expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError } from '../../../src/config/index.js';
import { loadTargetsFile, mergeTargetGroups, parseTargetsFile, targetRoutes } from '../../../src/targets/index.js';
import { repoRoot } from '../../helpers/repo-root.js';

const fixture = (name: string) => join(repoRoot, 'test/fixtures/targets', name);

function refusal(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the targets file to be refused');
}

test("the seed's ping shape (env: [host, ...]) loads as one icmp group per environment", () => {
  const groups = loadTargetsFile(fixture('seed-ping.yaml'));
  assert.deepEqual(
    groups.map((g) => [g.name, g.kind, g.targets.map((t) => t.text)]),
    [
      ['prem_lon', 'icmp', ['10.2.0.9', '10.2.0.10', 'gw1.example.net']],
      ['aws_eu', 'icmp', ['172.31.0.10']],
    ],
  );
  assert.equal(groups[0]!.payloadBytes, 56);
});

test("the seed's TCP shape (env: {host: port}, or a list of them) loads as tcp groups with each host's port", () => {
  const groups = loadTargetsFile(fixture('seed-tcp.yaml'));
  assert.deepEqual(
    groups.map((g) => [g.name, g.kind, g.targets.map((t) => `${t.host}|${t.port}`)]),
    [
      ['prem_lon', 'tcp', ['db1.example.net|3306', '10.2.0.9|22']],
      ['aws_eu', 'tcp', ['app1.example.net|443', '172.31.0.10|8080']],
    ],
  );
  const routes = targetRoutes(groups, { probing: { probesPerRound: 4, probeSpacingMs: 10, timeoutMs: 900 }, thresholds: { delayMs: 50, lossPct: 1 }, from: 'dev1' });
  assert.deepEqual(
    routes.map((r) => r.label),
    ['tcp db1.example.net:3306', 'tcp 10.2.0.9:22', 'tcp app1.example.net:443', 'tcp 172.31.0.10:8080'],
  );
  assert.deepEqual(routes[0]!.options, { count: 4, intervalMs: 10, timeoutMs: 900 });
  assert.deepEqual(routes[0]!.addressing, { port: 3306 });
  assert.deepEqual(routes[0]!.thresholds, { delayMs: 50, lossPct: 1 });
});

test("pathmon's own group list loads with every field normalized", () => {
  const [db, mgmt] = loadTargetsFile(fixture('own-groups.yaml'));
  assert.equal(db!.intervalMs, 30_000);
  assert.deepEqual(db!.sourcePort, [40000, 40015]);
  assert.deepEqual(db!.thresholds, { delayMs: 20 });
  assert.deepEqual(
    db!.targets.map((t) => [t.host, t.port]),
    [
      ['db1.example.net', null],
      ['10.2.0.9', 22],
    ],
  );
  assert.equal(mgmt!.payloadBytes, 1472);
  const routes = targetRoutes([db!, mgmt!], { probing: { probesPerRound: 10, probeSpacingMs: 100, timeoutMs: 1000 }, thresholds: { delayMs: 100, lossPct: 5 }, from: 'dev1' });
  assert.deepEqual(
    routes.map((r) => r.label),
    ['tcp db1.example.net:5432', 'tcp 10.2.0.9:22', 'icmp 10.3.0.1'],
  );
  assert.deepEqual(routes[0]!.addressing, { port: 5432, sourcePort: [40000, 40015] });
  assert.deepEqual(routes[0]!.thresholds, { delayMs: 20, lossPct: 5 });
  assert.equal(routes[0]!.everyMs, 30_000);
  assert.deepEqual(routes[2]!.addressing, { payloadBytes: 1472 });
});

test('a bad port names the line, the environment and host, the value and what was expected', () => {
  const error = refusal(() => loadTargetsFile(fixture('malformed-port.yaml')));
  assert.match(error.message, /malformed-port\.yaml:5: aws_eu\.app1\.example\.net: got "https"; expected the TCP port to probe on app1\.example\.net/);
  assert.equal(error.path, 'aws_eu.app1.example.net');
  assert.match(error.where, /malformed-port\.yaml:5 /);
});

test('a bad environment name and an empty environment are both reported, each with its line', () => {
  const error = refusal(() => loadTargetsFile(fixture('malformed-env.yaml')));
  assert.match(error.message, /malformed-env\.yaml:3: bad env!: got the environment name "bad env!"; expected a name/);
  assert.match(error.message, /malformed-env\.yaml:5: staging: got nothing; expected a list of hosts \(a ping group\) or a mapping of host to TCP port/);
});

test("pathmon's own list is checked by the config schema, with lines", () => {
  const error = refusal(() => loadTargetsFile(fixture('malformed-own.yaml')));
  assert.match(error.message, /malformed-own\.yaml:8: \[1\]\.port: got 22; expected no port for kind icmp/);
});

test('YAML syntax errors, unreadable files and wrong shapes are refused with the file and line', () => {
  assert.match(refusal(() => loadTargetsFile(fixture('malformed-syntax.yaml'))).message, /YAML syntax error at .*malformed-syntax\.yaml:\d+: .*; expected a YAML mapping of environment to targets/);
  assert.match(refusal(() => loadTargetsFile(fixture('no-such-file.yaml'))).message, /cannot read .*no-such-file\.yaml: ENOENT/);
  assert.match(refusal(() => parseTargetsFile('just text', 't.yaml')).message, /t\.yaml:1: \(top level\): got "just text"; expected a mapping of environment to targets/);
  assert.match(refusal(() => parseTargetsFile('prod: [10.0.0.1, {a: 1}]', 't.yaml')).message, /t\.yaml:1: prod: got a list mixing hosts and mappings/);
  assert.match(refusal(() => parseTargetsFile('prod:\n  - 10.0.0.1\n  - "db1:22"\n', 't.yaml')).message, /t\.yaml:3: prod\[1\]: got "db1:22"; expected an IPv4 address or a DNS name to ping/);
  assert.match(refusal(() => parseTargetsFile('prod:\n  "bad host!": 22\n', 't.yaml')).message, /t\.yaml:2: prod\.bad host!: got the host "bad host!"/);
  assert.match(refusal(() => parseTargetsFile('prod: [a.example, A.example]', 't.yaml')).message, /got A\.example twice/);
});

test('target ids are stable across files, order and restarts, and differ by group, kind and port', () => {
  const ping = parseTargetsFile('prod: [db1, 10.0.0.1]', 'a.yaml');
  const reordered = parseTargetsFile('prod: [10.0.0.1, db1]', 'b.yaml');
  const tcp = parseTargetsFile('prod: { db1: 22, 10.0.0.1: 22 }', 'c.yaml');
  const defaults = { probing: { probesPerRound: 1, probeSpacingMs: 0, timeoutMs: 1 }, thresholds: { delayMs: 1, lossPct: 1 }, from: 'p' };
  const ids = (groups: typeof ping) => new Map(targetRoutes(groups, defaults).map((r) => [r.target.host, r.id]));
  assert.deepEqual(ids(ping), new Map([...ids(reordered)].reverse()));
  assert.notEqual(ids(ping).get('db1'), ids(tcp).get('db1'));
  const other = parseTargetsFile('staging: [db1]', 'd.yaml');
  assert.notEqual(ids(ping).get('db1'), ids(other).get('db1'));
});

test('groups from several files merge; the same name may repeat only with another kind, and never a path group name', () => {
  const ping = loadTargetsFile(fixture('seed-ping.yaml'));
  const tcp = loadTargetsFile(fixture('seed-tcp.yaml'));
  const merged = mergeTargetGroups([
    { from: 'ping.yaml', groups: ping },
    { from: 'tcp.yaml', groups: tcp },
  ]);
  assert.equal(merged.length, 4);
  assert.match(
    refusal(() =>
      mergeTargetGroups([
        { from: 'a.yaml', groups: ping },
        { from: 'b.yaml', groups: ping },
      ]),
    ).message,
    /icmp target group prem_lon is in a\.yaml and in b\.yaml/,
  );
  assert.match(refusal(() => mergeTargetGroups([{ from: 'a.yaml', groups: ping }], ['aws_eu'])).message, /target group aws_eu \(icmp, a\.yaml\) has the name of a path group/);
});
