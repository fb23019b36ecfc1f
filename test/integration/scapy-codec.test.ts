/**
 * pathmon's codecs against independent implementations: scapy builds the hackathon deck's nested-GRE
 * probe and pathmon peels it; pathmon builds probes and scapy and tshark dissect them and recompute
 * every checksum. Unit tests pin bytes captured once; this keeps the check live against the real tools.
 * Needs /usr/bin/python3 with scapy and tshark; each part skips, saying why, only if its tool is absent.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ipv4 from '../../probes/codec/ipv4.js';
import * as udp from '../../probes/codec/udp.js';
import { decodeProbePacket, encodeProbePacket, peelGre, type ProbeAddressing } from '../../probes/nested-gre.js';
import { repoRoot } from '../helpers/repo-root.js';

const PYTHON = '/usr/bin/python3';
const scriptPath = (name: string): string => join(repoRoot, 'test', 'integration', 'scapy', name);

const scapyCheck = spawnSync(PYTHON, ['-c', 'import scapy.all'], { encoding: 'utf8' });
const noScapy = scapyCheck.status === 0 ? false : `scapy cannot be imported by ${PYTHON}: ${scapyCheck.error?.message ?? scapyCheck.stderr.trim().split('\n').pop()}`;
const tsharkCheck = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
const noTshark = tsharkCheck.status === 0 ? false : `tshark is not runnable: ${tsharkCheck.error?.message ?? tsharkCheck.stderr}`;

/** Outside CI a missing tool skips with the reason; in CI, where .ci/run installs it, it fails. */
const unlessCi = (reason: string | false): string | false => (process.env.CI === 'true' ? false : reason);
const requireTool = (reason: string | false): void => {
  if (reason) assert.fail(`${reason}; .ci/run (lab/install-deps.sh) should have installed it`);
};

const DECK: ProbeAddressing = {
  source: '20.0.0.2',
  hops: ['20.0.0.1', '10.1.1.1', '10.1.1.5', '10.1.1.13', '20.0.0.6'],
  returnAddress: '20.0.0.2',
  sourcePort: 3000,
  destinationPort: 3000,
};

interface ScapyLayer {
  name: string;
  src?: string;
  dst?: string;
  proto?: number;
  len?: number;
  ttl?: number;
  chksum?: number;
  chksum_present?: number;
  version?: number;
  sport?: number;
  dport?: number;
  load?: string;
}

function scapyDissect(packet: Buffer): { layers: ScapyLayer[]; recomputed: ScapyLayer[]; rebuiltEqualsInput: boolean } {
  const out = execFileSync(PYTHON, [scriptPath('dissect.py')], { input: packet.toString('hex'), encoding: 'utf8' });
  return JSON.parse(out);
}

test("pathmon peels the hackathon deck's scapy-built probe", { skip: unlessCi(noScapy) }, () => {
  requireTool(noScapy);
  const timeText = '2019-06-03 10:15:42.123456';
  const hex = execFileSync(PYTHON, [scriptPath('build-hackathon-probe.py'), timeText], { encoding: 'utf8' }).trim();
  const packet = Buffer.from(hex, 'hex');

  let offset = 0;
  const destinations: string[] = [];
  for (;;) {
    const ip = ipv4.decode(packet, offset);
    assert.equal(ip.source, '20.0.0.2');
    assert.equal(ip.checksumValid, true, `IPv4 checksum scapy wrote at offset ${offset}`);
    destinations.push(ip.destination);
    if (ip.protocol !== ipv4.PROTOCOL_GRE) break;
    const peeled = peelGre(packet, offset);
    assert.equal(peeled.gre.checksumPresent, false);
    offset = peeled.innerOffset;
  }
  assert.deepEqual(destinations, [...DECK.hops, '20.0.0.2']);
  const inner = ipv4.decode(packet, offset);
  assert.equal(inner.protocol, ipv4.PROTOCOL_UDP);
  const udpAt = offset + inner.headerLength;
  const header = udp.decode(packet, udpAt);
  assert.equal(header.sourcePort, 3000);
  assert.equal(header.destinationPort, 3000);
  assert.notEqual(header.checksum, 0, 'scapy sends a UDP checksum');
  assert.equal(udp.checksumValid(packet, udpAt, inner.source, inner.destination), true);
  assert.equal(packet.subarray(udpAt + 8, udpAt + header.length).toString('latin1'), timeText);
});

test('scapy dissects pathmon probes and recomputes the same checksums', { skip: unlessCi(noScapy) }, () => {
  requireTool(noScapy);
  const cases: Array<[ProbeAddressing, { sessionId: number; pathId: number; sequence: number; sendTimeNs: bigint }]> = [
    [DECK, { sessionId: 0xdeadbeef, pathId: 7, sequence: 0xffffffff, sendTimeNs: 1_700_000_000_123_456_789n }],
    [
      { ...DECK, hops: ['10.1.1.0'], sourcePort: 40001, destinationPort: 40002, ttl: 3 },
      { sessionId: 1, pathId: 0, sequence: 0, sendTimeNs: 0n },
    ],
  ];
  for (const [addressing, payload] of cases) {
    const packet = encodeProbePacket(addressing, payload);
    const scapy = scapyDissect(packet);
    const expectedNames = [...addressing.hops.flatMap(() => ['IP', 'GRE']), 'IP', 'UDP', 'Raw'];
    assert.deepEqual(
      scapy.layers.map((l) => l.name),
      expectedNames,
    );
    const ips = scapy.layers.filter((l) => l.name === 'IP');
    assert.deepEqual(
      ips.map((l) => l.dst),
      [...addressing.hops, addressing.returnAddress],
    );
    assert.deepEqual(
      ips.map((l) => l.src),
      ips.map(() => addressing.source),
    );
    assert.deepEqual(
      ips.map((l) => l.ttl),
      ips.map(() => addressing.ttl ?? 64),
    );
    assert.deepEqual(
      ips.map((l) => l.proto),
      [...addressing.hops.map(() => 47), 17],
    );
    for (const gre of scapy.layers.filter((l) => l.name === 'GRE')) {
      assert.deepEqual([gre.proto, gre.chksum_present, gre.version], [0x0800, 0, 0]);
    }
    const udpLayer = scapy.layers.find((l) => l.name === 'UDP')!;
    assert.deepEqual([udpLayer.sport, udpLayer.dport, udpLayer.len], [addressing.sourcePort, addressing.destinationPort, 36]);
    assert.equal(scapy.layers.at(-1)!.load, packet.subarray(packet.length - 28).toString('hex'));

    const ours = decodeProbePacket(packet);
    assert.deepEqual(
      ips.map((l) => l.chksum),
      ours.layers.map((l) => l.checksum),
    );
    assert.equal(udpLayer.chksum, ours.udp.checksum);
    const recomputed = scapy.recomputed.filter((l) => l.name === 'IP' || l.name === 'UDP').map((l) => l.chksum);
    assert.deepEqual(recomputed, [...ours.layers.map((l) => l.checksum), ours.udp.checksum]);
    assert.equal(scapy.rebuiltEqualsInput, true, 'scapy rebuilds our exact bytes');
  }
});

/** A classic pcap (LINKTYPE_RAW: packets start at the IPv4 header) holding `packets`. */
function pcap(packets: Buffer[]): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(101, 20);
  return Buffer.concat([
    global,
    ...packets.flatMap((packet, i) => {
      const record = Buffer.alloc(16);
      record.writeUInt32LE(1_700_000_000 + i, 0);
      record.writeUInt32LE(packet.length, 8);
      record.writeUInt32LE(packet.length, 12);
      return [record, packet];
    }),
  ]);
}

test('tshark dissects a pathmon probe and finds no checksum errors', { skip: unlessCi(noTshark) }, () => {
  requireTool(noTshark);
  const good = encodeProbePacket(DECK, { sessionId: 9, pathId: 1, sequence: 42, sendTimeNs: 123_456_789n });
  // A control with one flipped payload bit, so the test proves tshark does check the UDP checksum.
  const bad = Buffer.from(good);
  bad[bad.length - 1]! ^= 1;
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-tshark-'));
  try {
    const file = join(dir, 'probes.pcap');
    writeFileSync(file, pcap([good, bad]));
    const out = execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-o',
        'ip.check_checksum:TRUE',
        '-o',
        'udp.check_checksum:TRUE',
        '-T',
        'fields',
        '-E',
        'separator=|',
        '-e',
        'frame.protocols',
        '-e',
        'ip.checksum.status',
        '-e',
        'udp.checksum.status',
        '-e',
        '_ws.expert.message',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const [goodRow, badRow] = out
      .trim()
      .split('\n')
      .map((line) => line.split('|'));
    // Wireshark checksum status: 0 bad, 1 good, 2 unverified.
    assert.match(goodRow![0]!, /^raw:ip(:gre:ip){5}:udp/);
    assert.deepEqual(goodRow![1]!.split(','), ['1', '1', '1', '1', '1', '1'], 'every IPv4 header checksum good');
    assert.equal(goodRow![2], '1', 'UDP checksum good');
    assert.equal(goodRow![3], '', 'no expert info');
    assert.equal(badRow![2], '0', 'the control packet is flagged');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
