/**
 * parseYamlTopology: the NANOG 76 lab as YAML (lab/topologies/nanog76.yaml), checked against
 * the hackathon's own neighbor table, and one bad file per validation rule
 * (test/fixtures/malformed/topology/yaml-*.yaml) with the YAML path its error must name.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TopologyError } from '../../../topology/errors.js';
import type { TopologyLink } from '../../../topology/model.js';
import { parseNeighborTable, parseYamlTopology } from '../../../topology/sources/index.js';
import { join } from 'node:path';
import { fixturePath, repoRoot } from '../../helpers/repo-root.js';

const nanog76 = readFileSync(join(repoRoot, 'lab', 'topologies', 'nanog76.yaml'), 'utf8');

describe('parseYamlTopology: nanog76.yaml', () => {
  const { spec, events } = parseYamlTopology(nanog76, 'nanog76.yaml');

  it('normalises the spec: ids, addresses without length, subnets, default metrics', () => {
    assert.equal(spec.name, 'nanog76');
    assert.deepEqual(
      spec.routers.map((r) => r.name),
      ['R1', 'R2', 'R3', 'R4', 'R5', 'R6'],
    );
    assert.deepEqual(spec.routers[0], { name: 'R1', routerId: '000010000001', linkIds: ['l0', 'l1', 'l8'] });
    assert.deepEqual(spec.hosts, [
      { name: 'dev1', linkIds: ['l8'] },
      { name: 'dev2', linkIds: ['l9'] },
    ]);
    assert.equal(spec.links.length, 10);
    assert.deepEqual(spec.links[0], {
      id: 'l0',
      a: 'R1',
      b: 'R2',
      aAddress: '10.1.1.1',
      bAddress: '10.1.1.0',
      prefixLength: 31,
      subnet: '10.1.1.0/31',
      metric: 10,
    });
    assert.deepEqual(spec.links[8], {
      id: 'l8',
      a: 'dev1',
      b: 'R1',
      aAddress: '10.2.0.0',
      bAddress: '10.2.0.1',
      prefixLength: 31,
      subnet: '10.2.0.0/31',
      metric: 10,
    });
  });

  it('normalises dotted IS-IS system ids and keeps a given metric', () => {
    const small = parseYamlTopology(
      'routers:\n  - { name: A, routerId: "0000.1000.0004" }\n  - { name: B }\nlinks:\n  - { a: A, aAddress: 10.0.0.0/31, b: B, bAddress: 10.0.0.1/31, metric: 20 }\n',
      'small.yaml',
    );
    assert.equal(small.spec.routers[0]?.routerId, '000010000004');
    assert.equal(small.spec.links[0]?.metric, 20);
  });

  it('emits 8 nodes (routers, then hosts) and each link in both directions', () => {
    const nodes = events.flatMap((e) => (e.kind === 'node-up' ? [e.node] : []));
    assert.deepEqual(nodes[0], { id: 'R1', name: 'R1', kind: 'router', routerId: '000010000001' });
    assert.deepEqual(
      nodes.map((n) => n.kind),
      [...Array(6).fill('router'), 'host', 'host'],
    );
    const links = events.flatMap((e) => (e.kind === 'link-up' ? [e.link] : []));
    assert.equal(links.length, 20);
    assert.deepEqual(links[0], {
      key: 'R1|R2|10.1.1.1|10.1.1.0',
      from: 'R1',
      to: 'R2',
      localAddress: '10.1.1.1',
      neighborAddress: '10.1.1.0',
      prefixLength: 31,
      igpMetric: 10,
    });
    assert.deepEqual(links[1], {
      key: 'R2|R1|10.1.1.0|10.1.1.1',
      from: 'R2',
      to: 'R1',
      localAddress: '10.1.1.0',
      neighborAddress: '10.1.1.1',
      prefixLength: 31,
      igpMetric: 10,
    });
    assert.equal(new Set(links.map((l) => l.key)).size, 20);
  });

  it('describes the same router links as the hackathon neighbor table', () => {
    const idOf = new Map(spec.routers.map((r) => [r.name, r.routerId!]));
    const shape = (l: TopologyLink): string => `${l.from}>${l.to} ${l.localAddress}>${l.neighborAddress}/${l.prefixLength}`;
    const fromYaml = events
      .flatMap((e) => (e.kind === 'link-up' && idOf.has(e.link.from) && idOf.has(e.link.to) ? [e.link] : []))
      .map((l) => shape({ ...l, from: idOf.get(l.from)!, to: idOf.get(l.to)! }))
      .sort();
    const table = readFileSync(fixturePath('seed-hackathon', 'routes.txt'), 'utf8');
    const fromTable = parseNeighborTable(table)
      .flatMap((e) => (e.kind === 'link-up' ? [shape(e.link)] : []))
      .sort();
    assert.deepEqual(fromYaml, fromTable);
  });

  it('reads empty hosts: and links: as empty lists', () => {
    const { spec: small } = parseYamlTopology('routers:\n  - name: R1\nhosts:\nlinks:\n', 'small.yaml');
    assert.deepEqual(small, { routers: [{ name: 'R1', linkIds: [] }], hosts: [], links: [] });
  });
});

/** Each bad file breaks one rule; `path` is what `where` must name. */
const RULES: Record<string, { path: string; rule: string }> = {
  'yaml-syntax-error.yaml': { path: 'yaml-syntax-error.yaml:6', rule: 'YAML syntax (line only: no path exists yet)' },
  'yaml-duplicate-key.yaml': { path: 'yaml-duplicate-key.yaml:3', rule: 'duplicate mapping key' },
  'yaml-not-a-mapping.yaml': { path: '(top level)', rule: 'document is a mapping' },
  'yaml-wrong-shape.yaml': { path: 'routers', rule: 'routers is a list' },
  'yaml-no-routers.yaml': { path: 'routers', rule: 'at least one router' },
  'yaml-bad-name.yaml': { path: 'routers[1].name', rule: 'names are plain tokens' },
  'yaml-unquoted-router-id.yaml': { path: 'routers[0].routerId', rule: 'routerId is a quoted string' },
  'yaml-unknown-key.yaml': { path: 'links[0].aAdress', rule: 'no unknown keys' },
  'yaml-missing-field.yaml': { path: 'links[0].bAddress', rule: 'required fields' },
  'yaml-bad-address.yaml': { path: 'links[1].bAddress', rule: 'addresses are IPv4' },
  'yaml-address-without-length.yaml': { path: 'links[0].aAddress', rule: 'addresses carry a prefix length' },
  'yaml-bad-metric.yaml': { path: 'links[0].metric', rule: 'metric is a number' },
  'yaml-zero-metric.yaml': { path: 'links[0].metric', rule: 'metric at least 1' },
  'yaml-unknown-node.yaml': { path: 'links[1].b', rule: 'ends are declared nodes' },
  'yaml-self-link.yaml': { path: 'links[0].b', rule: 'ends differ' },
  'yaml-different-subnet.yaml': { path: 'links[0].bAddress', rule: 'ends share a subnet' },
  'yaml-different-prefix-length.yaml': { path: 'links[0].bAddress', rule: 'ends share a prefix length' },
  'yaml-network-address.yaml': { path: 'links[0].aAddress', rule: 'no network or broadcast address' },
  'yaml-duplicate-name.yaml': { path: 'hosts[0].name', rule: 'names unique across routers and hosts' },
  'yaml-duplicate-address.yaml': { path: 'links[1].aAddress', rule: 'no address used twice' },
  'yaml-host-without-link.yaml': { path: 'hosts[1]', rule: 'every host has a link' },
};

describe('parseYamlTopology: one bad file per rule', () => {
  it('has an expectation for every yaml file in the malformed folder', () => {
    const files = readdirSync(fixturePath('malformed', 'topology')).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual(files.sort(), Object.keys(RULES).sort());
  });

  for (const [file, { path, rule }] of Object.entries(RULES)) {
    it(`${rule}: ${file} fails at ${path}`, () => {
      const text = readFileSync(fixturePath('malformed', 'topology', file), 'utf8');
      assert.throws(
        () => parseYamlTopology(text, file),
        (err: unknown) => {
          assert.ok(err instanceof TopologyError, String(err));
          assert.equal(err.code, 'malformed-input');
          assert.ok(err.where?.startsWith(file), `where ${err.where} names the file`);
          assert.ok(err.where?.includes(path), `where ${err.where} names ${path}`);
          assert.match(err.message, /^topology\.parseYamlTopology: .*expected /);
          return true;
        },
      );
    });
  }

  it('reports every problem of a file in one error, the first one in where', () => {
    const text = 'routers:\n  - name: R1\nlinks:\n  - { a: R1, aAddress: 10.1.1.1/31, b: R9, bAddress: 10.1.2.0/31, metric: 5 }\n';
    assert.throws(
      () => parseYamlTopology(text, 't.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof TopologyError);
        assert.equal(err.where, 't.yaml:4 links[0].b');
        assert.match(err.message, /links\[0\]\.b: got "R9"/);
        assert.match(err.message, /links\[0\]\.bAddress: got "10\.1\.2\.0\/31", outside/);
        return true;
      },
    );
  });
});
