/**
 * The config's `targets:` section: durations typed as people type them, host:port split, defaults
 * filled, and every mistake named with its path, its line, the value and what was expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../../src/config/index.js';
import { targetGroupProblems } from '../../../src/config/target-group-problems.js';
import { targetGroupsSchema } from '../../../src/config/target-groups-schema.js';

const base = 'topology: t.yaml\nprober: { node: dev1 }\n';

function refusal(targets: string): ConfigError {
  try {
    parseConfig(`${base}targets:\n${targets}`, '/etc/pathmon/c.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the targets to be refused');
}

test('a target group is normalized: durations in ms, host:port split, icmp payload default, the rest left to probing/thresholds', () => {
  const config = parseConfig(
    `${base}targets:
  - { name: db, kind: tcp, targets: [db1.example.net, "10.2.0.9:22"], port: 5432, interval: 30s, timeout: 1.5s, sourcePort: "40000-40003", sourceAddress: 10.0.0.1 }
  - { name: mgmt, kind: icmp, targets: [10.3.0.1], intervalMs: 2500, timeoutMs: 800, probesPerRound: 5, thresholds: { lossPct: 20 } }
  - { name: spray, kind: udp, targets: ["app1:7"], sourcePort: 33434 }`,
    '/etc/pathmon/c.yaml',
  );
  const [db, mgmt, spray] = config.targetGroups;
  assert.deepEqual(db, {
    name: 'db',
    kind: 'tcp',
    targets: [
      { text: 'db1.example.net', host: 'db1.example.net', port: null },
      { text: '10.2.0.9:22', host: '10.2.0.9', port: 22 },
    ],
    port: 5432,
    sourceAddress: '10.0.0.1',
    sourcePort: [40000, 40003],
    intervalMs: 30_000,
    probesPerRound: null,
    probeSpacingMs: null,
    timeoutMs: 1500,
    payloadBytes: null,
    thresholds: {},
  });
  assert.equal(mgmt!.intervalMs, 2500);
  assert.equal(mgmt!.timeoutMs, 800);
  assert.equal(mgmt!.payloadBytes, 56);
  assert.deepEqual(mgmt!.thresholds, { lossPct: 20 });
  assert.equal(spray!.sourcePort, 33434);
  assert.equal(spray!.port, null);
});

test("tcp and udp need a port (the group's or HOST:PORT); icmp refuses ports and source ports; payloadBytes is icmp only", () => {
  const noPort = refusal('  - name: db\n    kind: tcp\n    targets: [db1]\n');
  assert.equal(noPort.path, 'targets[0].targets[0]');
  assert.match(noPort.where, /c\.yaml:6 /);
  assert.match(noPort.message, /targets\[0\]\.targets\[0\]: got "db1"; expected HOST:PORT, or a port for the group \(kind tcp needs a destination port\)/);
  const icmp = refusal('  - { name: m, kind: icmp, targets: ["10.0.0.1:22"], port: 22, sourcePort: 5 }');
  assert.match(icmp.message, /targets\[0\]\.port: got 22; expected no port for kind icmp/);
  assert.match(icmp.message, /targets\[0\]\.sourcePort: got 5; expected no sourcePort for kind icmp/);
  assert.match(icmp.message, /targets\[0\]\.targets\[0\]: got "10\.0\.0\.1:22"; expected no :PORT on an icmp target/);
  assert.match(refusal('  - { name: d, kind: udp, targets: [x], port: 7, payloadBytes: 100 }').message, /targets\[0\]\.payloadBytes: got 100; expected no payloadBytes for kind udp/);
});

test('bad values are named with what was expected', () => {
  const cases: [string, RegExp][] = [
    ['  - { name: m, kind: ping, targets: [a] }', /targets\[0\]\.kind: got "ping"; expected "icmp", "tcp" or "udp"/],
    ['  - { name: m, kind: icmp, targets: [] }', /targets\[0\]\.targets: got \[\]; expected at least one target/],
    ['  - { name: m, kind: icmp, targets: [10.0.0.999] }', /targets\[0\]\.targets\[0\]: got "10\.0\.0\.999"; expected an IPv4 address or a DNS name/],
    ['  - { name: m, kind: icmp, targets: ["bad host"] }', /got "bad host"; expected an IPv4 address or a DNS name/],
    ['  - { name: m, kind: tcp, targets: ["a:70000"] }', /got "a:70000"; expected an IPv4 address or a DNS name, optionally with :PORT/],
    ['  - { name: m, kind: icmp, targets: [a], interval: soon }', /targets\[0\]\.interval: got "soon"; expected a duration between rounds of the group from 10 ms/],
    ['  - { name: m, kind: icmp, targets: [a], interval: 5ms }', /targets\[0\]\.interval: got "5ms"; expected a duration/],
    ['  - { name: m, kind: icmp, targets: [a], interval: 2s, intervalMs: 2000 }', /targets\[0\]\.intervalMs: got 2000; expected interval or intervalMs, not both/],
    [
      '  - { name: m, kind: icmp, targets: [a], interval: 2s, timeout: 3s }',
      /targets\[0\]\.timeout: got 3000; timeoutMs \(3000\) cannot exceed intervalMs \(2000\)|timeoutMs \(3000\) cannot exceed intervalMs \(2000\)/,
    ],
    ['  - { name: m, kind: tcp, targets: [a], port: 1, sourcePort: "9-3" }', /targets\[0\]\.sourcePort: got "9-3"; expected a port from 1 to 65535, or a range "FIRST-LAST"/],
    ['  - { name: m, kind: tcp, targets: [a], port: 1, sourcePort: 0 }', /targets\[0\]\.sourcePort: got 0; expected a port from 1 to 65535/],
    ['  - { name: m, kind: tcp, targets: [a], port: 1, sourceAddress: here }', /targets\[0\]\.sourceAddress: got "here"; expected an IPv4 address of this host/],
    ['  - { name: m, kind: icmp, targets: [a], payloadBytes: 70000 }', /targets\[0\]\.payloadBytes: got 70000; expected a whole number of ICMP echo data bytes from 0 to 65507/],
    ['  - { name: m, kind: icmp, targets: [a, A] }', /targets\[0\]\.targets\[1\]: got "A"; got the same target as targets\[0\]|same target as targets\[0\]/],
    ['  - { name: "-m", kind: icmp, targets: [a] }', /targets\[0\]\.name: got "-m"; expected a name of 1 to 64 letters/],
    [
      '  - { name: m, kind: icmp, targets: [a] }\n  - { name: m, kind: tcp, targets: ["b:1"] }',
      /targets\[1\]\.name: got "m"; expected target group names to be unique; targets\[0\] is already named m/,
    ],
    ['  - { name: m, kind: icmp, targets: [a], thresholds: { lossPct: 101 } }', /targets\[0\]\.thresholds\.lossPct: got 101; expected a number of percent from 0 to 100/],
    ['  - { name: m, kind: icmp, targets: [a], probesPerRound: 0 }', /targets\[0\]\.probesPerRound: got 0; expected a whole number of probes per target from 1/],
    ['  - just-a-string', /targets\[0\]: got "just-a-string"; expected a mapping \{ name, kind: icmp\|tcp\|udp, targets/],
  ];
  for (const [yaml, expected] of cases) assert.match(refusal(yaml).message, expected, yaml);
});

test('cross-field: a target group named like a path group, or whose round outlasts its interval, names both fields and values', () => {
  const parsed = targetGroupsSchema.parse([
    { name: 'lab', kind: 'icmp', targets: ['10.0.0.1'] },
    { name: 'slow', kind: 'icmp', targets: ['10.0.0.2'], probesPerRound: 20, probeSpacingMs: 100 },
    { name: 'own', kind: 'icmp', targets: ['10.0.0.3'], interval: '1s', timeoutMs: 900, probesPerRound: 3, probeSpacingMs: 100 },
  ]);
  const problems = targetGroupProblems({ groups: [{ name: 'lab' }], targets: parsed, probing: { intervalMs: 2000 } });
  assert.deepEqual(
    problems.map((p) => p.path.join('.')),
    ['targets.0.name', 'targets.1.probesPerRound', 'targets.2.probesPerRound'],
  );
  assert.match(problems[0]!.text, /targets\[0\]\.name \(lab\) is also groups\[0\]\.name/);
  assert.match(problems[1]!.text, /= 2900 ms, which cannot exceed probing\.intervalMs \(2000\)/);
  assert.match(problems[2]!.text, /= 1100 ms, which cannot exceed targets\[2\]\.intervalMs \(1000\)/);
  assert.deepEqual(targetGroupProblems({ groups: [{ name: 'other' }], targets: parsed.slice(0, 1), probing: {} }), []);
});
