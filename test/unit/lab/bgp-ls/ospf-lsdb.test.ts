/**
 * The IGP snapshot the originator announces, read from ospfd's real answers in the nanog76 lab
 * (fixtures captured from FRR 8.4 with `show ip ospf database router json`, before and after
 * `lab impair R4 R6 --down`), compared with the lab file, the independent source of truth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { igpTopologyFromOspf, LsdbParseError } from '../../../../lab/bgp-ls/ospf-lsdb.js';
import { parseYamlTopology } from '../../../../topology/index.js';
import { repoRoot } from '../../../helpers/repo-root.js';

const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'unit', 'lab', 'bgp-ls', 'fixtures', name), 'utf8');
const spec = parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/nanog76.yaml'), 'utf8'), 'nanog76.yaml').spec;
// The router ids `lab up --bgp-ls` gives nanog76 (its file has IS-IS style ids): 10.255.0.N for RN.
const name = (routerId: string) => `R${routerId.split('.')[3]}`;

/** Every router-router link direction of the lab file as `A>B local>neighbor`. */
function fileLinkDirections(): string[] {
  const routers = new Set(spec.routers.map((router) => router.name));
  return spec.links
    .filter((link) => routers.has(link.a) && routers.has(link.b))
    .flatMap((link) => [`${link.a}>${link.b} ${link.aAddress}>${link.bAddress}`, `${link.b}>${link.a} ${link.bAddress}>${link.aAddress}`])
    .sort();
}

const directions = (links: ReturnType<typeof igpTopologyFromOspf>['links']) => links.map((link) => `${name(link.from)}>${name(link.to)} ${link.localAddress}>${link.neighborAddress}`).sort();

test("the converged nanog76 LSDB gives the lab file's routers and numbered links, both directions", () => {
  const topology = igpTopologyFromOspf(fixture('nanog76-router-lsdb.json'));
  assert.deepEqual(topology.nodes.map((node) => name(node.routerId)).sort(), spec.routers.map((router) => router.name).sort());
  assert.deepEqual(directions(topology.links), fileLinkDirections());
  assert.ok(topology.links.every((link) => link.metric === 10 && link.area === '0.0.0.0'));
});

test('the host subnets are prefixes of the routers they hang off', () => {
  const topology = igpTopologyFromOspf(fixture('nanog76-router-lsdb.json'));
  const hostPrefixes = topology.prefixes.filter((prefix) => prefix.prefix.startsWith('10.2.0.')).map((prefix) => `${name(prefix.routerId)} ${prefix.prefix}`);
  assert.deepEqual(hostPrefixes.sort(), ['R1 10.2.0.0/31', 'R6 10.2.0.2/31']);
});

test('after R4-R6 went down both its directions and its subnet are gone, nothing else', () => {
  const before = igpTopologyFromOspf(fixture('nanog76-router-lsdb.json'));
  const after = igpTopologyFromOspf(fixture('nanog76-router-lsdb-r4-r6-down.json'));
  const gone = directions(before.links).filter((link) => !directions(after.links).includes(link));
  assert.deepEqual(gone, ['R4>R6 10.1.1.13>10.1.1.12', 'R6>R4 10.1.1.12>10.1.1.13']);
  assert.equal(after.nodes.length, 6);
  assert.equal(after.prefixes.filter((prefix) => prefix.prefix === '10.1.1.12/31').length, 0);
});

test('a link one end still lists is gone as soon as the other end stops listing it (two-way check)', () => {
  const doc = JSON.parse(fixture('nanog76-router-lsdb.json'));
  const lsas = doc.routerLinkStates.areas['0.0.0.0'] as { advertisingRouter: string; routerLinks: Record<string, { neighborRouterId?: string }> }[];
  const r6 = lsas.find((lsa) => lsa.advertisingRouter === '10.255.0.6')!;
  for (const [key, link] of Object.entries(r6.routerLinks)) if (link.neighborRouterId === '10.255.0.4') delete r6.routerLinks[key];
  const links = directions(igpTopologyFromOspf(JSON.stringify(doc)).links);
  assert.ok(!links.some((link) => link.startsWith('R4>R6') || link.startsWith('R6>R4')), links.join('\n'));
  assert.equal(links.length, 14);
});

test('an LSA at MaxAge is being flushed: its router and links are left out', () => {
  const doc = JSON.parse(fixture('nanog76-router-lsdb.json'));
  const lsas = doc.routerLinkStates.areas['0.0.0.0'] as { advertisingRouter: string; lsaAge: number }[];
  lsas.find((lsa) => lsa.advertisingRouter === '10.255.0.5')!.lsaAge = 3600;
  const topology = igpTopologyFromOspf(JSON.stringify(doc));
  assert.ok(!topology.nodes.some((node) => node.routerId === '10.255.0.5'));
  assert.ok(!topology.links.some((link) => link.from === '10.255.0.5' || link.to === '10.255.0.5'));
});

test('parallel links between the same two routers stay apart, paired by their subnets', () => {
  const lsa = (self: string, peer: string, addresses: string[]) => ({
    advertisingRouter: self,
    lsaAge: 1,
    routerLinks: Object.fromEntries(
      addresses.flatMap((address, i) => [
        [`p${i}`, { linkType: 'another Router (point-to-point)', neighborRouterId: peer, routerInterfaceAddress: address, tos0Metric: 10 + i }],
        [`s${i}`, { linkType: 'Stub Network', networkAddress: address.replace(/\d+$/, (last) => String(Number(last) & ~1)), networkMask: '255.255.255.254', tos0Metric: 10 }],
      ]),
    ),
  });
  // Listed in opposite orders on the two ends, so pairing by position would cross them.
  const doc = { routerId: '1.1.1.1', routerLinkStates: { areas: { '0.0.0.0': [lsa('1.1.1.1', '2.2.2.2', ['10.0.0.0', '10.0.0.2']), lsa('2.2.2.2', '1.1.1.1', ['10.0.0.3', '10.0.0.1'])] } } };
  const links = igpTopologyFromOspf(JSON.stringify(doc))
    .links.map((link) => `${link.from} ${link.localAddress}>${link.neighborAddress} ${link.metric}`)
    .sort();
  assert.deepEqual(links, ['1.1.1.1 10.0.0.0>10.0.0.1 10', '1.1.1.1 10.0.0.2>10.0.0.3 11', '2.2.2.2 10.0.0.1>10.0.0.0 11', '2.2.2.2 10.0.0.3>10.0.0.2 10']);
});

test("anything but ospfd's JSON is a clear error, never a crash", () => {
  for (const bad of ['', '% Unknown command', '[]', '{"routerLinkStates": 3}', '{"routerLinkStates":{"areas":{"0.0.0.0":[{"advertisingRouter":"x"}]}}}']) {
    assert.throws(() => igpTopologyFromOspf(bad), LsdbParseError, bad);
  }
});
