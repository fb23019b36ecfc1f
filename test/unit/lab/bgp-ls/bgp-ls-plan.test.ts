/**
 * Who plays which part in the nanog76 BGP-LS chain, and the daemon configurations that follow from it:
 * the choices an engineer relies on when running ExaBGP in dev1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlTopology } from '../../../../topology/index.js';
import { labPlan } from '../../../../lab/lab-plan.js';
import { bgpLsPlan } from '../../../../lab/bgp-ls/bgp-ls-plan.js';
import { exabgpConf, gobgpdToml, ospfdConf, zebraConf } from '../../../../lab/bgp-ls/daemon-configs.js';
import { repoRoot } from '../../../helpers/repo-root.js';

const spec = parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/nanog76.yaml'), 'utf8'), 'nanog76.yaml').spec;
const plan = labPlan('pmtest', spec);
const fileIds = Object.fromEntries(spec.routers.map((router) => [router.name, router.routerId]));

test('dev1 is the prober and R1, which it hangs off, the speaker, peering on their shared link', () => {
  const bgp = bgpLsPlan(plan, fileIds);
  assert.deepEqual(
    { prober: bgp.prober, proberAddress: bgp.proberAddress, speaker: bgp.speaker, speakerAddress: bgp.speakerAddress, ns: bgp.speakerNamespace },
    { prober: 'dev1', proberAddress: '10.2.0.0', speaker: 'R1', speakerAddress: '10.2.0.1', ns: 'pmtest.R1' },
  );
  assert.equal(bgpLsPlan(plan, fileIds, 'dev2').speaker, 'R6');
});

test('a prober that is not a host is refused with the hosts to choose from', () => {
  assert.throws(() => bgpLsPlan(plan, fileIds, 'R3'), /"R3" is not a host.*dev1, dev2/);
});

test('IS-IS style ids get distinct OSPF ids; dotted ids from the file are kept and never handed out twice', () => {
  assert.deepEqual(Object.values(bgpLsPlan(plan, fileIds).routerIds), ['10.255.0.1', '10.255.0.2', '10.255.0.3', '10.255.0.4', '10.255.0.5', '10.255.0.6']);
  const ids = bgpLsPlan(plan, { ...fileIds, R3: '10.255.0.1', R5: '192.0.2.5' }).routerIds;
  assert.equal(ids['R3'], '10.255.0.1');
  assert.equal(ids['R5'], '192.0.2.5');
  assert.equal(new Set(Object.values(ids)).size, 6);
});

test("ospfd: point-to-point OSPF with the file's metric on router links, the host link passive", () => {
  const r1 = plan.nodes.find((node) => node.name === 'R1')!;
  const conf = ospfdConf(r1, '10.255.0.1');
  const hostIface = r1.interfaces.find((iface) => iface.peer === 'dev1')!.name;
  assert.match(conf, /ospf router-id 10\.255\.0\.1/);
  assert.match(conf, new RegExp(`passive-interface ${hostIface}\\b`));
  assert.equal(conf.match(/ip ospf network point-to-point/g)?.length, r1.interfaces.length);
  assert.equal(conf.match(/ip ospf cost 10/g)?.length, r1.interfaces.length);
});

test("zebra keeps OSPF routes out of the kernel, so the lab's static routes stay the only ones", () => {
  const conf = zebraConf(plan.nodes.find((node) => node.name === 'R2')!);
  const map = /route-map (\S+) deny 10/.exec(conf)?.[1];
  assert.ok(map);
  assert.match(conf, new RegExp(`ip protocol ospf route-map ${map}`));
});

test('gobgpd and ExaBGP configurations point at each other, with BGP-LS and End-of-RIB on both ends', () => {
  const bgp = bgpLsPlan(plan, fileIds);
  const toml = gobgpdToml(bgp);
  assert.match(toml, /neighbor-address = "10\.2\.0\.0"/);
  assert.match(toml, /afi-safi-name = "ls"/);
  assert.match(toml, /passive-mode = true/);
  const exabgp = exabgpConf(bgp);
  assert.match(exabgp, /neighbor 10\.2\.0\.1 \{/);
  assert.match(exabgp, /local-address 10\.2\.0\.0;/);
  assert.match(exabgp, /local-as 65002;[\s\S]*peer-as 65001;/);
  assert.match(exabgp, /bgp-ls bgp-ls;/);
  assert.match(exabgp, /graceful-restart \d+;/);
});
