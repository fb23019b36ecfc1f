/**
 * parseExabgpLine against every line ExaBGP 4.2 printed for us (test/fixtures/exabgp), including its
 * verified faults. Expected values are read off the fixture text by hand, not produced by the parser.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { linkKey, type TopologyEvent } from '../../../topology/model.js';
import { parseExabgpLine, type ExabgpLineResult } from '../../../topology/sources/index.js';
import { fixturePath } from '../../helpers/repo-root.js';

const lines = (name: string): string[] =>
  readFileSync(fixturePath('exabgp', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

type Ok = Extract<ExabgpLineResult, { ok: true }>;
function parsedOk(line: string): Ok {
  const result = parseExabgpLine(line);
  assert.equal(result.ok, true, `expected ok, got ${JSON.stringify(result)}`);
  return result as Ok;
}
const only = (name: string): Ok => {
  const [line, ...rest] = lines(name);
  assert.equal(rest.length, 0, `${name} should hold one line`);
  return parsedOk(line!);
};

// Every fixture in the folder must be named here, so a new fixture cannot go untested.
const COVERED = new Set([
  'announce-link-isis.json',
  'announce-link-ospf-te.json',
  'announce-node-isis.json',
  'announce-node-ospf.json',
  'announce-prefix-v4-ospf.json',
  'decode-link-name-INVALID-JSON.txt',
  'decode-link-unnumbered-linkids-dropped.json',
  'decode-node-isis-pseudonode.json',
  'decode-node-ospf-pseudonode.json',
  'decode-unknown-lsattr-tlv.json',
  'eor-bgp-ls.json',
  'netns-frr-ospf-e2e-events.jsonl', // exabgp-stream.test.ts
  'notification.jsonl',
  'state-connected-up.jsonl',
  'state-down.jsonl',
  'treat-as-withdraw-empty-lsattr.json',
  'withdraw-link.json',
  'withdraw-node.json',
  // Raw BGP messages for ExaBGP's decoder, not JSON: detect.test.ts checks they are refused as a format.
  'edge-case-updates.hex.txt',
  'gobgp-sent-updates.hex',
  'gobgp-to-exabgp-bgpls.pcap',
]);

describe('parseExabgpLine: ExaBGP 4.2 fixtures', () => {
  it('has a test for every fixture in test/fixtures/exabgp', () => {
    const untested = readdirSync(fixturePath('exabgp')).filter((f) => !COVERED.has(f));
    assert.deepEqual(untested, []);
  });

  it('IS-IS link: system ids as node ids, addresses and metrics from the attribute', () => {
    const r = only('announce-link-isis.json');
    assert.deepEqual(r.events, [
      {
        kind: 'link-up',
        link: {
          key: '000000000003|000000000004|10.0.34.3|10.0.34.4',
          from: '000000000003',
          to: '000000000004',
          localAddress: '10.0.34.3',
          neighborAddress: '10.0.34.4',
          igpMetric: 20,
          teMetric: 20,
        },
      },
    ]);
    assert.deepEqual(r.ignored, []);
    assert.deepEqual(r.warnings, []);
  });

  it('OSPF link with TE attributes: bandwidth in bytes/s, unused TE fields not counted as ignored', () => {
    const r = only('announce-link-ospf-te.json');
    assert.deepEqual(r.events, [
      {
        kind: 'link-up',
        link: {
          key: '1.1.1.1|2.2.2.2|10.0.12.1|10.0.12.2',
          from: '1.1.1.1',
          to: '2.2.2.2',
          localAddress: '10.0.12.1',
          neighborAddress: '10.0.12.2',
          igpMetric: 10,
          teMetric: 100,
          maxBandwidthBytesPerSec: 125000000,
        },
      },
    ]);
    assert.deepEqual(r.ignored, []);
  });

  it('IS-IS node: name from node-name, protocol isis-l2, and the same id a link descriptor gives', () => {
    const r = only('announce-node-isis.json');
    assert.deepEqual(r.events, [
      {
        kind: 'node-up',
        node: { id: '000000000003', name: 'r3', kind: 'router', routerId: '000000000003', asn: 65001, bgpLsId: '0', protocol: 'isis-l2' },
      },
    ]);
    const link = only('announce-link-isis.json').events[0];
    assert.equal(link?.kind === 'link-up' && link.link.from, '000000000003');
  });

  it('OSPF node: dotted router id, name r1, protocol ospfv2', () => {
    const r = only('announce-node-ospf.json');
    assert.deepEqual(r.events, [
      {
        kind: 'node-up',
        node: { id: '1.1.1.1', name: 'r1', kind: 'router', routerId: '1.1.1.1', asn: 65001, bgpLsId: '0', protocol: 'ospfv2' },
      },
    ]);
  });

  it('OSPF prefix: prefix-up on the advertising node', () => {
    assert.deepEqual(only('announce-prefix-v4-ospf.json').events, [{ kind: 'prefix-up', nodeId: '1.1.1.1', prefix: '1.1.1.1/32' }]);
  });

  it('link-name TLV 1098 makes ExaBGP print invalid JSON: ok:false, "invalid JSON", 200-char excerpt', () => {
    const [line] = lines('decode-link-name-INVALID-JSON.txt');
    const r = parseExabgpLine(line!);
    assert.deepEqual(r, { ok: false, reason: 'invalid JSON', excerpt: line!.slice(0, 200) });
  });

  it('unnumbered link (ExaBGP dropped TLV 258): emitted without addresses, flagged as unprobeable', () => {
    const r = only('decode-link-unnumbered-linkids-dropped.json');
    assert.deepEqual(r.events, [{ kind: 'link-up', link: { key: '000000000001|000000000002||', from: '000000000001', to: '000000000002', igpMetric: 10 } }]);
    assert.deepEqual(r.ignored, ['link-identifiers']);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /^topology\.parseExabgpLine: .*unnumbered.*cannot be probed/);
  });

  it('IS-IS pseudonode: psn suffix, pseudonode flag, its own node-name', () => {
    assert.deepEqual(only('decode-node-isis-pseudonode.json').events, [
      {
        kind: 'node-up',
        node: {
          id: '192168001001:psn5',
          name: 'lan',
          kind: 'router',
          routerId: '192168001001',
          asn: 65001,
          bgpLsId: '0',
          protocol: 'isis-l1',
          pseudonode: true,
        },
      },
    ]);
  });

  it('OSPF pseudonode: designated-router suffix, distinct from the router 1.1.1.1 itself', () => {
    const [event] = only('decode-node-ospf-pseudonode.json').events;
    assert.deepEqual(event, {
      kind: 'node-up',
      node: { id: '1.1.1.1:dr10.0.0.1', name: 'dr', kind: 'router', routerId: '1.1.1.1', asn: 65001, bgpLsId: '0', protocol: 'ospfv2', pseudonode: true },
    });
  });

  it('a pseudonode without node-name is named by its id, not by the router id it shares', () => {
    const line = lines('decode-node-isis-pseudonode.json')[0]!.replace('"node-name": "lan"', '"area-id": "49"');
    const [event] = parsedOk(line).events;
    assert.equal(event?.kind === 'node-up' && event.node.name, '192168001001:psn5');
  });

  it('unknown link-state TLV: the link survives, attribute-not-implemented is counted', () => {
    const r = only('decode-unknown-lsattr-tlv.json');
    assert.equal(r.events.length, 1);
    assert.equal(r.events[0]?.kind === 'link-up' && r.events[0].link.igpMetric, 10);
    assert.deepEqual(r.ignored, ['attribute-not-implemented']);
  });

  it('duplicate JSON keys (several unknown TLVs) parse; the last value wins', () => {
    const line = lines('decode-unknown-lsattr-tlv.json')[0]!.replace(
      '"attribute-not-implemented": "1114"',
      '"attribute-not-implemented": "1114", "igp-metric": 99, "attribute-not-implemented": "1115"',
    );
    const r = parsedOk(line);
    assert.equal(r.events[0]?.kind === 'link-up' && r.events[0].link.igpMetric, 99);
    assert.deepEqual(r.ignored, ['attribute-not-implemented']);
  });

  it('end-of-RIB for bgp-ls', () => {
    assert.deepEqual(only('eor-bgp-ls.json').events, [{ kind: 'end-of-rib', peer: '127.0.0.5' }]);
  });

  it('treat-as-withdraw (empty attribute 29): applies the withdraw the line carries and says so', () => {
    const r = only('treat-as-withdraw-empty-lsattr.json');
    assert.deepEqual(r.events, [{ kind: 'prefix-down', nodeId: '2.2.2.2', prefix: '10.0.12.0/24' }]);
    assert.deepEqual(r.ignored, ['treat-as-withdraw']);
    assert.match(r.warnings[0]!, /treat-as-withdraw due to bgp-ls/);
  });

  it('link withdraw: the key matches the key of the announce of the same link', () => {
    const r = only('withdraw-link.json');
    const announced = only('announce-link-ospf-te.json').events[0];
    assert.ok(announced?.kind === 'link-up');
    assert.deepEqual(r.events, [{ kind: 'link-down', linkKey: announced.link.key }]);
    assert.equal(announced.link.key, linkKey('1.1.1.1', '2.2.2.2', '10.0.12.1', '10.0.12.2'));
  });

  it('node withdraw', () => {
    assert.deepEqual(only('withdraw-node.json').events, [{ kind: 'node-down', nodeId: '1.1.1.1' }]);
  });

  it('session states connected, up, down with reason', () => {
    const events: TopologyEvent[] = [...lines('state-connected-up.jsonl'), ...lines('state-down.jsonl')].flatMap((l) => parsedOk(l).events);
    assert.deepEqual(events, [
      { kind: 'session', peer: '127.0.0.2', state: 'connected' },
      { kind: 'session', peer: '127.0.0.2', state: 'up' },
      { kind: 'session', peer: '127.0.0.2', state: 'down', reason: 'stop, message (shutting down)' },
    ]);
  });

  it("ExaBGP's shutdown notification: session down for every peer ('*')", () => {
    assert.deepEqual(
      lines('notification.jsonl').flatMap((l) => parsedOk(l).events),
      [{ kind: 'session', peer: '*', state: 'down', reason: 'exabgp shutdown' }],
    );
  });
});

describe('parseExabgpLine: shapes beyond the fixtures', () => {
  const envelope = '"exabgp": "4.0.1", "time": 1.5, "host": "vm", "pid": 1, "ppid": 1, "counter": 1';
  const neighbor = '"address": { "local": "127.0.0.3", "peer": "127.0.0.2" }, "asn": { "local": 65002, "peer": 65001 }';

  it('a BGP NOTIFICATION from the peer: session down with code names', () => {
    const line = `{ ${envelope}, "type": "notification", "neighbor": { ${neighbor}, "direction": "receive", "notification": { "code": 6, "subcode": 2, "data": "" } } }`;
    assert.deepEqual(parsedOk(line).events, [{ kind: 'session', peer: '127.0.0.2', state: 'down', reason: 'notification received 6/2 (cease)' }]);
  });

  it('our own echoed updates (direction send) are ignored, not applied', () => {
    const line = lines('withdraw-node.json')[0]!.replace('"direction": "receive"', '"direction": "send"');
    const r = parsedOk(line);
    assert.deepEqual(r.events, []);
    assert.deepEqual(r.ignored, ['direction:send']);
  });

  it('withdraws are applied before announces in one UPDATE (RFC 4271 order)', () => {
    const nlri = '{ "ls-nlri-type": "bgpls-node", "protocol-id": 3, "node-descriptors": { "router-id": "9.9.9.9" } }';
    const line = `{ ${envelope}, "type": "update", "neighbor": { ${neighbor}, "direction": "receive", "message": { "update": { "announce": { "bgp-ls bgp-ls": { "192.0.2.1": [ ${nlri} ] } }, "withdraw": { "bgp-ls bgp-ls": [ ${nlri} ] } } } } }`;
    assert.deepEqual(
      parsedOk(line).events.map((e) => e.kind),
      ['node-down', 'node-up'],
    );
  });

  it('IS-IS system ids in dotted or upper-case form give the same node id', () => {
    const make = (id: string): string => lines('announce-node-isis.json')[0]!.replace('"router-id": "000000000003"', `"router-id": "${id}"`);
    for (const spelling of ['0000.0000.000A', '00000000000A', '00000000000a']) {
      const [event] = parsedOk(make(spelling)).events;
      assert.equal(event?.kind === 'node-up' && event.node.id, '00000000000a', spelling);
    }
  });

  it('other message types and families are counted as ignored, not failed', () => {
    const keepalive = `{ ${envelope}, "type": "keepalive", "neighbor": { ${neighbor}, "direction": "receive" } }`;
    assert.deepEqual(parsedOk(keepalive), { ok: true, events: [], ignored: ['type:keepalive'], warnings: [] });
  });

  it('a non-string argument is refused, not thrown on', () => {
    assert.equal(parseExabgpLine(undefined as unknown as string).ok, false);
    assert.equal(parseExabgpLine(42 as unknown as string).ok, false);
    assert.deepEqual(parseExabgpLine('   '), { ok: false, reason: 'empty line', excerpt: '   ' });
  });
});
