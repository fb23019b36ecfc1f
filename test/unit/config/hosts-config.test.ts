/**
 * The monitor config's `hosts:`: probers and endpoints that are hosts, attached to a routers-only
 * (BGP-LS) topology by configuration. A valid list reaches the targets that name the hosts; every
 * broken entry is named by its path with the value and what was expected, like any other field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, parseConfig } from '../../../src/config/index.js';
import { repoRoot } from '../../helpers/repo-root.js';

const base = (hosts: string) => `
topology: exabgp:exabgp.conf
prober: { node: dev1 }
groups: [ { name: g, endpoints: [dev2, R4] } ]
hosts:
${hosts}
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

test('hosts reach the targets whose prober or endpoint they name; a router endpoint carries none', () => {
  const config = parseConfig(base('  - { name: dev1, address: 10.2.0.0/31 }\n  - { name: dev2, address: 10.2.0.9/24, router: R6, routerAddress: 10.2.0.1 }'), '/etc/pathmon/monitor.yaml');
  assert.equal(config.topology, 'exabgp:/etc/pathmon/exabgp.conf');
  assert.equal(config.hosts.length, 2);
  const [toDev2, toR4] = config.targets;
  assert.deepEqual(toDev2!.fromHost, { name: 'dev1', address: '10.2.0.0/31' });
  assert.deepEqual(toDev2!.toHost, { name: 'dev2', address: '10.2.0.9/24', router: 'R6', routerAddress: '10.2.0.1' });
  assert.deepEqual(toR4!.fromHost, { name: 'dev1', address: '10.2.0.0/31' });
  assert.equal(toR4!.toHost, undefined);
});

test('no hosts: an empty list and targets without host declarations', () => {
  const config = parseConfig(base('  []').replace('hosts:\n  []', ''), '/etc/pathmon/monitor.yaml');
  assert.deepEqual(config.hosts, []);
  assert.equal(config.targets[0]!.fromHost, undefined);
});

test('a bad host entry is named by its path, with the value and what was expected', () => {
  const error = configError(
    base(
      [
        '  - { name: dev1, address: 10.2.0.0 }',
        '  - { name: dev2, address: 10.2.0.9/24 }',
        '  - { name: dev3, address: 10.2.0.9/24, routerAddress: 10.3.0.1 }',
        '  - { name: dev1, address: 10.2.0.4/31 }',
      ].join('\n'),
    ),
  );
  assert.equal(error.path, 'hosts[0].address');
  assert.match(error.message, /hosts\[0\]\.address: got "10\.2\.0\.0"; expected the host's address and subnet length/);
  assert.match(error.message, /hosts\[1\]\.routerAddress: none given for "10\.2\.0\.9\/24"; expected the router's address on 10\.2\.0\.0\/24/);
  assert.match(error.message, /hosts\[2\]\.routerAddress: got "10\.3\.0\.1", outside the host's subnet 10\.2\.0\.0\/24/);
  assert.match(error.message, /hosts\[3\]\.name: got "dev1", already the name of hosts\[0\]/);
});

test('an unknown key in a host entry is named with the keys allowed', () => {
  const error = configError(base('  - { name: dev5, address: 10.2.0.6/31, gateway: 10.2.0.7 }'));
  assert.equal(error.path, 'hosts[0].gateway');
  assert.match(error.message, /expected one of name, address, router, routerAddress/);
});

test('the lab config for the BGP-LS chain loads', () => {
  const config = loadConfigFile(join(repoRoot, 'lab/configs/nanog76-bgp-ls-monitor.yaml'));
  assert.match(config.topology, /^exabgp:\/run\/pathmon\/labs\//);
  assert.deepEqual(
    config.hosts.map((h) => h.name),
    ['dev1', 'dev2'],
  );
  assert.deepEqual(
    config.targets.map((t) => [t.from, t.to, t.fromHost?.name, t.toHost?.name]),
    [['dev1', 'dev2', 'dev1', 'dev2']],
  );
});
