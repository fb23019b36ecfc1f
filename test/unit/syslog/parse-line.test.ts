import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine } from '../../../src/syslog/parse-line.js';
import { decodeLine } from '../../../src/syslog/decode-line.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const parse = (line: string) => parseLine(line, '192.0.2.7', NOW);

describe('syslog line parsing', () => {
  it('Cisco IOS RFC 3164 with hostname: %LINEPROTO-5-UPDOWN with the interface and direction', () => {
    const e = parse('<189>Jun  1 11:59:58 R1 123: *Jun  1 11:59:58.123: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to down');
    assert.equal(e.parsed, true);
    assert.equal(e.host, 'R1');
    assert.equal(e.facility, 23);
    assert.equal(e.severity, 5);
    assert.equal(e.errorCode, 'LINEPROTO-5-UPDOWN');
    assert.deepEqual(e.facts, { interface: 'GigabitEthernet0/1', toState: 'down', direction: 'down' });
    assert.equal(e.deviceTimeMs, Date.parse('2024-06-01T11:59:58'));
  });

  it('Cisco without a header (sequence number first): host falls back to the sender, code still read', () => {
    const e = parse('<187>45: *Mar  1 18:46:11: %LINK-3-UPDOWN: Interface FastEthernet0/0, changed state to up');
    assert.equal(e.parsed, true);
    assert.equal(e.host, '192.0.2.7');
    assert.equal(e.severity, 3);
    assert.equal(e.errorCode, 'LINK-3-UPDOWN');
    assert.equal(e.facts?.direction, 'up');
    assert.equal(e.facts?.interface, 'FastEthernet0/0');
  });

  it('Cisco NX-OS ETHPORT and IOS BGP/OSPF adjacency codes', () => {
    const nx = parse('<187>Jun  1 11:00:00 nx1 %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/1 is down (Link failure)');
    assert.equal(nx.errorCode, 'ETHPORT-5-IF_DOWN_LINK_FAILURE');
    assert.deepEqual(nx.facts, { interface: 'Ethernet1/1', toState: 'down', direction: 'down' });
    const bgp = parse('<189>Jun  1 11:00:00 R2 88: %BGP-5-ADJCHANGE: neighbor 10.1.1.2 Down BGP Notification sent');
    assert.equal(bgp.errorCode, 'BGP-5-ADJCHANGE');
    assert.deepEqual(bgp.facts, { neighborAddress: '10.1.1.2', toState: 'Down', direction: 'down' });
    const ospf = parse('<189>Jun  1 11:00:00 R2 89: %OSPF-5-ADJCHG: Process 1, Nbr 10.0.0.2 on GigabitEthernet0/1 from FULL to DOWN, Neighbor Down: Dead timer expired');
    assert.equal(ospf.errorCode, 'OSPF-5-ADJCHG');
    assert.deepEqual(ospf.facts, { neighborId: '10.0.0.2', interface: 'GigabitEthernet0/1', fromState: 'FULL', toState: 'DOWN', direction: 'down' });
  });

  it('Juniper RFC 3164: EVENT_NAME code, program without pid, ifName', () => {
    const e = parse('<28>Jun  1 11:00:00 mx1 mib2d[1234]: SNMP_TRAP_LINK_DOWN: ifIndex 523, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1');
    assert.equal(e.host, 'mx1');
    assert.equal(e.program, 'mib2d');
    assert.equal(e.errorCode, 'SNMP_TRAP_LINK_DOWN');
    assert.deepEqual(e.facts, { interface: 'ge-0/0/1', toState: 'down', direction: 'down' });
    const nbr = parse('<29>Jun  1 11:00:00 mx1 rpd[99]: RPD_OSPF_NBRDOWN: OSPF neighbor 10.0.0.2 (realm ospf-v2 ge-0/0/1.0 area 0.0.0.0) state changed from Full to Down due to InactivityTimer');
    assert.equal(nbr.errorCode, 'RPD_OSPF_NBRDOWN');
    assert.deepEqual(nbr.facts, { neighborAddress: '10.0.0.2', interface: 'ge-0/0/1.0', fromState: 'Full', toState: 'Down', direction: 'down' });
  });

  it('Juniper structured (RFC 5424): the MSGID is the code, SD parsed', () => {
    const e = parse(
      '<28>1 2024-06-01T11:00:00.123Z mx1 mib2d 1234 SNMP_TRAP_LINK_DOWN [junos@2636.1.1.1.2.18 snmp-interface-index="523" admin-status="up(1)" operational-status="down(2)" interface-name="ge-0/0/1"] ifIndex 523, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1',
    );
    assert.equal(e.errorCode, 'SNMP_TRAP_LINK_DOWN');
    assert.equal(e.deviceTimeMs, Date.parse('2024-06-01T11:00:00.123Z'));
    assert.equal(e.structuredData['junos@2636.1.1.1.2.18']?.['interface-name'], 'ge-0/0/1');
    assert.equal(e.message, 'ifIndex 523, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1');
  });

  it('FRR 8.x ospfd adjacency change, RFC 3164 and RFC 5424, with and without the unique id', () => {
    const old = parse('<29>Jun  1 11:00:00 r4 ospfd[4321]: AdjChg: Nbr 10.0.0.6(default) on eth1: Full -> Deleted (InactivityTimer)');
    assert.equal(old.errorCode, 'OSPF-5-ADJCHG');
    assert.deepEqual(old.facts, { neighborId: '10.0.0.6', interface: 'eth1', fromState: 'Full', toState: 'Deleted', direction: 'down' });
    const frr8 = parse('<29>1 2024-06-01T11:00:00.000000+00:00 r4 ospfd 4321 - - [T2MWP-A9P1F] AdjChg: Nbr 10.0.0.6, NbrIP 10.1.1.13 (default) on r4-eth1: Full -> Deleted (InactivityTimer)');
    assert.equal(frr8.parsed, true);
    assert.equal(frr8.host, 'r4');
    assert.equal(frr8.program, 'ospfd');
    assert.equal(frr8.errorCode, 'OSPF-5-ADJCHG');
    assert.deepEqual(frr8.facts, { neighborId: '10.0.0.6', neighborAddress: '10.1.1.13', interface: 'r4-eth1', fromState: 'Full', toState: 'Deleted', direction: 'down' });
    const up = parse('<29>Jun  1 11:00:00 r4 ospfd[4321]: AdjChg: Nbr 10.0.0.6, NbrIP 10.1.1.13 (default) on eth1: Loading -> Full (LoadingDone)');
    assert.equal(up.facts?.direction, 'up');
    // FRR's log file forwarded line by line (rsyslog imfile, logger): its own date and daemon tag first.
    const fromFile = parse(
      '<189>1 2026-11-27T12:00:35.238Z R4 ospfd - - [timeQuality tzKnown="1"] 2026/11/27 12:00:35 OSPF: [Y05P2-YJVXY] AdjChg: Nbr 10.255.0.6, NbrIP 10.1.1.12 (default) on l6-R6:10.1.1.13: Full -> Deleted (KillNbr)',
    );
    assert.equal(fromFile.errorCode, 'OSPF-5-ADJCHG');
    assert.deepEqual(fromFile.facts, {
      neighborId: '10.255.0.6',
      neighborAddress: '10.1.1.12',
      interface: 'l6-R6',
      localAddress: '10.1.1.13',
      fromState: 'Full',
      toState: 'Deleted',
      direction: 'down',
    });
    const bgpFromFile = parse('<29>Jun  1 11:00:00 r4 bgpd: 2026/11/27 12:00:35.123 BGP: [M59KS-A3ZXZ] %ADJCHANGE: neighbor 10.1.1.13(r6) in vrf default Down Peer closed the session');
    assert.equal(bgpFromFile.errorCode, 'BGP-5-ADJCHANGE');
    const bgp = parse('<29>Jun  1 11:00:00 r4 bgpd[77]: %ADJCHANGE: neighbor 10.1.1.13(r6) in vrf default Down Peer closed the session');
    assert.equal(bgp.errorCode, 'BGP-5-ADJCHANGE');
    assert.deepEqual(bgp.facts, { neighborAddress: '10.1.1.13', toState: 'Down', direction: 'down' });
  });

  it('RFC 5424 structured data with escaped quote and bracket (nsyslog alone drops the element)', () => {
    const e = parse(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App \\"x\\" \\]"][examplePriority@32473 class="high"] \uFEFFmsg here',
    );
    assert.deepEqual(e.structuredData, { 'exampleSDID@32473': { iut: '3', eventSource: 'App "x" ]' }, 'examplePriority@32473': { class: 'high' } });
    assert.equal(e.message, 'msg here');
    assert.equal(e.errorCode, null);
  });

  it('RFC 5424 NILVALUEs are nulls, not a host or program named "-"', () => {
    const e = parse('<13>1 - - - - - - just text');
    assert.equal(e.host, '192.0.2.7');
    assert.equal(e.program, null);
    assert.equal(e.deviceTimeMs, null);
    assert.equal(e.message, 'just text');
  });

  it('an RFC 3164 December line received in January is last year, not next', () => {
    const jan = Date.parse('2025-01-01T00:00:30');
    const e = parseLine('<13>Dec 31 23:59:50 h app: x', '192.0.2.7', jan);
    assert.equal(e.deviceTimeMs, Date.parse('2024-12-31T23:59:50'));
  });

  it('lines without a valid PRI are unparsed, kept whole', () => {
    for (const line of ['garbage line with no pri', '<999>bad pri', '<0013>leading zero', '<>x', '\u0000\u0001binary']) {
      const e = parse(line);
      assert.equal(e.parsed, false, line);
      assert.equal(e.message, line);
      assert.equal(e.host, '192.0.2.7');
      assert.equal(e.severity, null);
    }
  });

  it('decodes invalid UTF-8 lossily and flags it; a character cut at the limit is not flagged', () => {
    const bad = decodeLine(Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0x61, 0xff, 0xfe, 0x62]));
    assert.equal(bad.invalidUtf8, true);
    assert.equal(bad.text, '<13>a\uFFFD\uFFFDb');
    const good = decodeLine(Buffer.from('<13>é\r\n'.slice(0, -1), 'utf8'));
    assert.deepEqual(good, { text: '<13>é', invalidUtf8: false });
    const cut = Buffer.from('<13>aé', 'utf8').subarray(0, 6); // the é's first byte only
    assert.deepEqual(decodeLine(cut, true), { text: '<13>a', invalidUtf8: false });
    assert.equal(decodeLine(cut, false).invalidUtf8, true);
  });
});
