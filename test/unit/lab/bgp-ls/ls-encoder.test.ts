/**
 * The lab's RFC 7752 encoder against two independent sources: the bytes gobgpd itself sent in a real
 * session (test/fixtures/exabgp/gobgp-sent-updates.hex), and ExaBGP's decoder (`exabgp --decode`), which
 * is what pathmon reads in the end. Never against a decoder of our own.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeLsNlri, LS_PROTOCOL, type NodeDescriptor } from '../../../../lab/bgp-ls/ls-nlri.js';
import { linkAttribute, nodeAttribute, prefixAttribute } from '../../../../lab/bgp-ls/ls-attribute.js';
import { asPath, mpReachLs, mpUnreachLs, originIgp, updateMessage } from '../../../../lab/bgp-ls/bgp-update.js';
import { LsEncodeError } from '../../../../lab/bgp-ls/ls-tlv.js';
import { fixturePath } from '../../../helpers/repo-root.js';

const gobgpSent = readFileSync(fixturePath('exabgp', 'gobgp-sent-updates.hex'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => Buffer.from(line.trim(), 'hex'));
const node = (igpRouterId: string): NodeDescriptor => ({ asn: 65001, bgpLsId: 0, ospfAreaId: '0.0.0.0', igpRouterId });
const ospf = { protocolId: LS_PROTOCOL.ospfv2, identifier: 0n };

/** Path attribute `type`'s complete bytes (flags, type, length, value) inside a BGP UPDATE. */
function attributeOf(update: Buffer, type: number): Buffer {
  const withdrawnLength = update.readUInt16BE(19);
  let offset = 23 + withdrawnLength;
  const end = offset + update.readUInt16BE(21 + withdrawnLength);
  while (offset < end) {
    const flags = update[offset]!;
    const extended = (flags & 0x10) !== 0;
    const length = extended ? update.readUInt16BE(offset + 2) : update[offset + 2]!;
    const total = (extended ? 4 : 3) + length;
    if (update[offset + 1] === type) return update.subarray(offset, offset + total);
    offset += total;
  }
  throw new Error(`no attribute ${type} in ${update.toString('hex')}`);
}

/** The withdrawn NLRI bytes of a gobgpd UPDATE: MP_UNREACH after its header and AFI/SAFI. */
function nlriOf(update: Buffer): Buffer {
  const unreach = attributeOf(update, 15);
  return unreach.subarray(((unreach[0]! & 0x10) !== 0 ? 4 : 3) + 3);
}

function mpReachNlri(update: Buffer): Buffer {
  const reach = attributeOf(update, 14);
  const head = (reach[0]! & 0x10) !== 0 ? 4 : 3;
  const hopLength = reach[head + 3]!;
  return reach.subarray(head + 4 + hopLength + 1);
}

describe('NLRIs and attributes equal what gobgpd sent in a real session', () => {
  test('node NLRI (OSPF router 1.1.1.1, AS 65001)', () => {
    assert.equal(encodeLsNlri({ ...ospf, kind: 'node', node: node('1.1.1.1') }).toString('hex'), nlriOf(gobgpSent[0]!).toString('hex'));
  });

  test('numbered link NLRI 1.1.1.1 -> 2.2.2.2 over 10.0.12.1 / 10.0.12.2', () => {
    const link = encodeLsNlri({ ...ospf, kind: 'link', local: node('1.1.1.1'), remote: node('2.2.2.2'), interfaceAddress: '10.0.12.1', neighborAddress: '10.0.12.2' });
    assert.equal(link.toString('hex'), nlriOf(gobgpSent[2]!).toString('hex'));
  });

  test('prefix NLRIs: a /32 and a /24, only the octets the length covers', () => {
    const host = encodeLsNlri({ ...ospf, kind: 'prefix-v4', node: node('1.1.1.1'), ospfRouteType: 1, prefix: '1.1.1.1/32' });
    const net = encodeLsNlri({ ...ospf, kind: 'prefix-v4', node: node('2.2.2.2'), ospfRouteType: 1, prefix: '10.0.12.0/24' });
    assert.equal(host.toString('hex'), nlriOf(gobgpSent[4]!).toString('hex'));
    assert.equal(net.toString('hex'), nlriOf(gobgpSent[5]!).toString('hex'));
  });

  test('announce NLRIs and the node, link and prefix attributes gobgpd kept', () => {
    assert.equal(mpReachNlri(gobgpSent[8]!).toString('hex'), encodeLsNlri({ ...ospf, kind: 'node', node: node('1.1.1.1') }).toString('hex'));
    const nodeAttr = nodeAttribute({ nodeName: 'r1', localRouterId: '1.1.1.1', nodeFlags: 0 });
    assert.equal(nodeAttr.toString('hex'), attributeOf(gobgpSent[8]!, 29).toString('hex'));
    const linkAttr = linkAttribute({ igpMetric: { value: 10, octets: 2 }, maxBandwidthBytesPerSec: 125_000_000 });
    assert.equal(linkAttr.toString('hex'), attributeOf(gobgpSent[11]!, 29).toString('hex'));
    assert.equal(prefixAttribute({ igpFlags: 0 }).toString('hex'), attributeOf(gobgpSent[12]!, 29).toString('hex'));
  });
});

describe("ExaBGP decodes the lab encoder's UPDATEs as pathmon expects", { skip: !hasExabgp() && process.env.CI !== 'true' && 'exabgp is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-lsenc-'));
  const conf = join(dir, 'decode.conf');
  writeFileSync(conf, 'neighbor 127.0.0.1 {\n  router-id 127.0.0.2;\n  local-address 127.0.0.2;\n  local-as 65002;\n  peer-as 65001;\n  family { bgp-ls bgp-ls; }\n}\n');
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The `update json` line ExaBGP prints for the message; the hang on bad input is why SIGKILL. */
  function decode(update: Buffer): { attribute?: Record<string, unknown>; announce?: Record<string, Record<string, Record<string, unknown>[]>>; withdraw?: Record<string, Record<string, unknown>[]> } {
    const run = spawnSync('timeout', ['-s', 'KILL', '10', 'exabgp', '--decode', update.toString('hex').toUpperCase(), conf], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, 'exabgp.log.destination': 'stdout', 'exabgp.api.cli': 'false', 'exabgp.daemon.user': 'root' },
    });
    const line = `${run.stdout}\n${run.stderr}`.split('\n').find((text) => text.includes('update json '));
    assert.ok(line, `exabgp printed no update json line:\n${run.stdout}${run.stderr}`);
    const doc = JSON.parse(line.slice(line.indexOf('update json ') + 'update json '.length));
    return doc.neighbor.message.update;
  }

  const r1 = node('10.255.0.1');
  const r2 = node('10.255.0.2');
  const family = 'bgp-ls bgp-ls';

  test('node with its name and router id', () => {
    const nlri = encodeLsNlri({ ...ospf, kind: 'node', node: r1 });
    const update = decode(updateMessage([originIgp(), asPath([65001]), mpReachLs('10.2.0.1', [nlri]), nodeAttribute({ nodeName: 'R1', localRouterId: '10.255.0.1' })]));
    assert.deepEqual(update.attribute?.['bgp-ls'], { 'node-name': 'R1', 'local-te-router-ids': ['10.255.0.1'] });
    const [announced] = update.announce![family]!['10.2.0.1']!;
    assert.equal(announced!['ls-nlri-type'], 'bgpls-node');
    assert.equal(announced!['protocol-id'], 3);
    assert.deepEqual(announced!['node-descriptors'], { 'autonomous-system': 65001, 'bgp-ls-identifier': '0', 'ospf-area-id': '0.0.0.0', 'router-id': '10.255.0.1' });
  });

  test('numbered link with both addresses and its IGP metric', () => {
    const nlri = encodeLsNlri({ ...ospf, kind: 'link', local: r1, remote: r2, interfaceAddress: '10.1.1.1', neighborAddress: '10.1.1.0' });
    const attrs = linkAttribute({ igpMetric: { value: 30, octets: 2 }, localRouterId: '10.255.0.1', remoteRouterId: '10.255.0.2' });
    const update = decode(updateMessage([originIgp(), asPath([65001]), mpReachLs('10.2.0.1', [nlri]), attrs]));
    assert.deepEqual(update.attribute?.['bgp-ls'], { 'igp-metric': 30, 'local-te-router-ids': ['10.255.0.1'], 'remote-te-router-id': '10.255.0.2' });
    const [link] = update.announce![family]!['10.2.0.1']!;
    assert.equal(link!['ls-nlri-type'], 'bgpls-link');
    assert.equal((link!['local-node-descriptors'] as Record<string, unknown>)['router-id'], '10.255.0.1');
    assert.equal((link!['remote-node-descriptors'] as Record<string, unknown>)['router-id'], '10.255.0.2');
    assert.deepEqual(link!['interface-address'], { 'interface-address': '10.1.1.1' });
    assert.deepEqual(link!['neighbor-address'], { 'neighbor-address': '10.1.1.0' });
  });

  test('prefix with route type and IGP flags, not treated as a withdraw', () => {
    const nlri = encodeLsNlri({ ...ospf, kind: 'prefix-v4', node: r1, ospfRouteType: 1, prefix: '10.2.0.0/31' });
    const update = decode(updateMessage([originIgp(), asPath([65001]), mpReachLs('10.2.0.1', [nlri]), prefixAttribute({ igpFlags: 0 })]));
    assert.equal(update.attribute?.['error'], undefined);
    const [prefix] = update.announce![family]!['10.2.0.1']!;
    assert.equal(prefix!['ip-reach-prefix'], '10.2.0.0/31');
    assert.equal(prefix!['ospf-route-type'], 1);
  });

  test('MP_UNREACH withdraws the link it names', () => {
    const nlri = encodeLsNlri({ ...ospf, kind: 'link', local: r1, remote: r2, interfaceAddress: '10.1.1.1', neighborAddress: '10.1.1.0' });
    const update = decode(updateMessage([mpUnreachLs([nlri])]));
    const [gone] = update.withdraw![family]!;
    assert.equal(gone!['ls-nlri-type'], 'bgpls-link');
    assert.deepEqual(gone!['interface-address'], { 'interface-address': '10.1.1.1' });
  });
});

describe('refusals', () => {
  test('an attribute with no TLV is refused: it would reach ExaBGP as a withdraw', () => {
    assert.throws(() => linkAttribute({}), LsEncodeError);
    assert.throws(() => nodeAttribute({}), LsEncodeError);
  });

  test('bad addresses, prefixes and metrics name the value', () => {
    assert.throws(() => encodeLsNlri({ ...ospf, kind: 'link', local: node('1.1.1.1'), remote: node('2.2.2.2'), interfaceAddress: '10.1.1', neighborAddress: '10.1.1.0' }), /"10\.1\.1"/);
    assert.throws(() => encodeLsNlri({ ...ospf, kind: 'prefix-v4', node: node('1.1.1.1'), prefix: '10.0.0.0/33' }), LsEncodeError);
    assert.throws(() => linkAttribute({ igpMetric: { value: 70_000, octets: 2 } }), /70000/);
  });
});

function hasExabgp(): boolean {
  try {
    execFileSync('which', ['exabgp'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
