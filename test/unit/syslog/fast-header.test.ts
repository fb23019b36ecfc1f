/**
 * The fast header reader against the general one (nsyslog-parser with pathmon's corrections), which is
 * the reference: on a generated corpus of the receiver's usual lines and of odd and broken ones, every
 * line must give the same event fields either way. The corpus is built from a seeded generator so a
 * failure names a line that can be replayed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fastHeader } from '../../../src/syslog/fast-header.js';
import { nsyslogHeader } from '../../../src/syslog/nsyslog-header.js';
import { parseLine, parseLineWithoutFastPath } from '../../../src/syslog/parse-line.js';

const SOURCE = '192.0.2.7';
const RECEIVED = [Date.parse('2024-06-01T12:00:00Z'), Date.parse('2025-01-01T00:00:30Z'), Date.parse('2024-12-31T23:00:00Z'), Date.parse('2028-03-01T10:00:00Z'), Date.now()];

/** The benchmark's mix (test/bench/syslog-ingest.bench.ts). */
function benchLine(i: number): string {
  const n = i % 5;
  const r = `R${i % 97}`;
  if (n === 0) return `<189>Jun  1 11:59:58 ${r} ${i}: *Jun  1 11:59:58.123: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/${i % 48}, changed state to down`;
  if (n === 1) return `<29>1 2025-06-01T11:59:58.123456+00:00 ${r} ospfd 4321 - - AdjChg: Nbr 10.0.${i % 250}.6, NbrIP 10.1.1.13 (default) on eth${i % 8}: Full -> Deleted (InactivityTimer)`;
  if (n === 2)
    return `<28>1 2025-06-01T11:59:58.123Z mx${i % 20} mib2d 1234 SNMP_TRAP_LINK_DOWN [junos@2636.1.1.1.2.18 snmp-interface-index="${i % 900}" interface-name="ge-0/0/${i % 24}"] ifIndex ${i % 900}, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/${i % 24}`;
  if (n === 3) return `<30>Jun  1 11:59:58 ${r} zebra[812]: interface eth${i % 8} vrf default index ${i % 64} changed`;
  return `<187>Jun  1 11:59:58 nx${i % 30} %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/${i % 48} is down (Link failure)`;
}

/** Deterministic choices (mulberry32). */
function chooser(seed: number): <T>(options: readonly T[]) => T {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (options) => options[Math.floor(next() * options.length)]!;
}

const PRIS = ['<0>', '<13>', '<29>', '<189>', '<191>', '<7>'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'Foo', 'jun', 'JUN', 'Ju'];
const DAYS = [' 1', '1', '01', '9', '28', '29', '30', '31', '0', '32', '123', 'x'];
const TIMES = ['11:59:58', '00:00:00', '23:59:59', '02:30:00', '1:59:58', '24:00:00', '23:60:00', '23:59:60', '11:59:58.123', '11:59', 'ab:cd:ef'];
const SEPS = [' ', ' ', ' ', '  ', '\t', ''];
const HOSTS = ['R1', 'r1.example.com', '10.0.0.1', 'a/b', 'a/', '/b', '-', 'host_name', 'fe80::1', 'h\u00e9', 'nx$1', '#h%', '(h)', '[h]', 'a:'];
const TAGS = ['zebra[812]:', 'zebra:', '%ETHPORT-5-IF_DOWN_LINK_FAILURE:', 'LINK-3-UPDOWN:', '5:', '123:', '[123]:', 'a:b:', 'ospfd[1]', 'app', ':', 'x[1]y:', 'ab]:', 'a[b:', '-:', 'é:', 'tag::'];
const MESSAGES = [
  '',
  ' ',
  'msg',
  ' leading',
  'trailing ',
  '\uFEFFbom first',
  'non-ASCII é ü 日本 \u{1F600}',
  'tab\there\t',
  'two  spaces',
  '%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to down',
  '*Mar  1 18:46:11: %LINK-3-UPDOWN: Interface FastEthernet0/0, changed state to up',
  'AdjChg: Nbr 10.0.0.6, NbrIP 10.1.1.13 (default) on eth1: Full -> Deleted (InactivityTimer)',
  'SNMP_TRAP_LINK_DOWN: ifIndex 523, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1',
  '%ADJCHANGE: neighbor 10.1.1.13(r6) in vrf default Down Peer closed the session',
  'key=value, other=thing',
  'CEF:0|x|y',
  '[bracket] first',
  'a [x y="z"] inside',
  '\u00a0nbsp\u00a0',
  '\u2028line sep',
];
const VERSIONS = ['1', '1', '1', '2', '01', '1x'];
const STAMPS = [
  '2025-06-01T11:59:58.123456+00:00',
  '2025-06-01T11:59:58Z',
  '2025-06-01T11:59:58.123-07:00',
  '2024-02-29T23:59:59+01:00',
  '2025-02-29T00:00:00Z',
  '2025-13-01T00:00:00Z',
  '-',
  '2025-06-01T11:59',
  '2025-06-01 11:59:58Z',
  'bad',
  '2025-06-01T11:59:58\u00e9',
];
const APPS = ['ospfd', '-', 'app[12]', 'a/b', 'mib2d', '[1]', 'app:', 'é'];
const PROCIDS = ['4321', '-', 'p-1', 'x:y'];
const MSGIDS = ['-', 'ID47', 'SNMP_TRAP_LINK_DOWN', 'RPD_OSPF_NBRDOWN', 'OSPF'];
const SDS = [
  '-',
  '-',
  '[id a="1"]',
  '[exampleSDID@32473 iut="3" eventSource="App \\"x\\" \\]"][examplePriority@32473 class="high"]',
  '[a@1 x="1"][b@2 y="2"]',
  '[x a="1"][x b="2"]',
  '[id]',
  '[id a="unterminated',
  '[id a=1]',
  '[id a="back\\\\slash" b="\\n kept"]',
  '[id  a="two spaces"]',
  '[id a="é 日"]',
  '[]',
  '[id a=""]',
  '[id a="x"',
  '-x',
  '',
  '[junos@2636.1.1.1.2.18 snmp-interface-index="523" interface-name="ge-0/0/1"]',
  '[__proto__ polluted="yes"]',
  '[constructor name="x"]',
  '[id __proto__="x" toString="y"]',
];
const HEADERLESS = ['45:', '%LINK-3-UPDOWN:', ':', '123', 'a:b:', 'x', '45::', '%SYS-5-CONFIG_I:', 'é:'];

function rfc3164(pick: ReturnType<typeof chooser>): string {
  const tail = pick([`${pick(SEPS)}${pick(MESSAGES)}`, '', ' ']);
  return `${pick(PRIS)}${pick(MONTHS)}${pick(SEPS)}${pick(DAYS)}${pick(SEPS)}${pick(TIMES)}${pick(SEPS)}${pick(HOSTS)}${pick(SEPS)}${pick(TAGS)}${tail}`;
}

function rfc5424(pick: ReturnType<typeof chooser>): string {
  const header = [pick(VERSIONS), pick(STAMPS), pick(HOSTS), pick(APPS), pick(PROCIDS), pick(MSGIDS)].join(pick([' ', ' ', ' ', ' ', '  ']));
  return `${pick(PRIS)}${header} ${pick(SDS)}${pick([` ${pick(MESSAGES)}`, '', ' ', pick(MESSAGES)])}`;
}

function headerless(pick: ReturnType<typeof chooser>): string {
  return `${pick(PRIS)}${pick(HEADERLESS)}${pick([` ${pick(MESSAGES)}`, '', ' ', pick(MESSAGES)])}`;
}

function corpus(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) lines.push(benchLine(i));
  const pick = chooser(0x5eed);
  for (let i = 0; i < 6000; i++) lines.push(rfc3164(pick), rfc5424(pick), headerless(pick));
  // Lines cut anywhere, as a truncation at maxLineBytes or a sender's buffer leaves them.
  const whole = lines.slice(0, 1200);
  for (const line of whole) for (let cut = 1; cut < line.length; cut += 7) lines.push(line.slice(0, cut));
  return lines;
}

function assertAgree(lines: readonly string[]): { fast: number } {
  let fast = 0;
  for (const [index, line] of lines.entries()) {
    // Each reception time in turn: the same year, the first and last days of a year, a leap year, now.
    const received = RECEIVED[index % RECEIVED.length]!;
    const expected = parseLineWithoutFastPath(line, SOURCE, received);
    assert.deepStrictEqual(parseLine(line, SOURCE, received), expected, `fast and general readers differ on ${JSON.stringify(line)} received at ${new Date(received).toISOString()}`);
    const priEnd = line.indexOf('>') + 1;
    if (/^<\d{1,3}>/.test(line) && fastHeader(line, priEnd, RECEIVED[0]!) !== null) fast++;
  }
  return { fast };
}

describe('fast syslog header reader', () => {
  it('reads every line of the benchmark mix itself, with the fields the general reader gives', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => benchLine(i));
    for (const line of lines) {
      const priEnd = line.indexOf('>') + 1;
      const fast = fastHeader(line, priEnd, RECEIVED[0]!);
      assert.notEqual(fast, null, `not read by the fast reader: ${line}`);
      assert.deepStrictEqual(fast, nsyslogHeader(line, RECEIVED[0]!), line);
    }
  });

  it('agrees with the general reader on a generated corpus of usual, odd and cut lines', () => {
    const lines = corpus();
    const { fast } = assertAgree(lines);
    // The corpus must exercise the fast reader, not only the fallback.
    assert.ok(fast > lines.length / 5, `only ${fast} of ${lines.length} lines took the fast path`);
    assert.ok(fast < lines.length, 'every line took the fast path: the corpus has no fallback cases');
  });

  it('leaves lines it does not fully recognise to the general reader, which still reads or keeps them', () => {
    const cases: [string, boolean][] = [
      ['<13>1 2025-06-01T11:59:58Z  host app - - - two spaces in the header', true],
      ['<13>Jun  1 11:59:58.123 R1 app: milliseconds', true],
      ['<13>Jun  1 11:59:58 fe80::1 app: an IPv6 host', true],
      ['<13>Jun  1 11:59:58 R1 no tag colon here', true],
      ['<13>1 2025-06-01T11:59:58Z host app - - [id a="unterminated', true],
      ['<13>1 - - - - -', true],
      // Headers the general reader cannot read at all: kept whole, unparsed, as before the fast reader.
      ['<13>x ', false],
      ['<13>1 ', false],
      ['<13>Jun  1 11:59:58 ', false],
      ['<13>Jun  1 11:59:58   ', false],
    ];
    for (const [line, parsed] of cases) {
      assert.equal(fastHeader(line, 4, RECEIVED[0]!), null, line);
      const event = parseLine(line, SOURCE, RECEIVED[0]!);
      assert.deepStrictEqual(event, parseLineWithoutFastPath(line, SOURCE, RECEIVED[0]!), line);
      assert.equal(event.parsed, parsed, line);
      if (!parsed) assert.equal(event.message, line, 'an unparsed line is kept whole');
    }
  });

  it('keeps SD-IDs and PARAM-NAMEs such as __proto__ and constructor as data, never touching prototypes', () => {
    for (const read of [parseLine, parseLineWithoutFastPath]) {
      const event = read('<13>1 - h a - - [__proto__ polluted="yes"][constructor name="x"][id toString="t"] text', SOURCE, RECEIVED[0]!);
      assert.deepStrictEqual(Object.keys(event.structuredData), ['__proto__', 'constructor', 'id']);
      assert.equal(Object.getOwnPropertyDescriptor(event.structuredData, '__proto__')?.value.polluted, 'yes');
      assert.equal(event.structuredData.constructor?.name, 'x');
      assert.equal(event.structuredData.id?.toString, 't');
      assert.equal(JSON.stringify(event.structuredData), '{"__proto__":{"polluted":"yes"},"constructor":{"name":"x"},"id":{"toString":"t"}}');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((Object as unknown as Record<string, unknown>).name, 'Object');
    }
  });
});

describe('fast syslog header reader in a time zone with daylight saving', () => {
  const zone = process.env.TZ;
  before(() => {
    process.env.TZ = 'Europe/Paris';
  });
  after(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('dates RFC 3164 times in and around the clock changes as the general reader does', () => {
    const lines: string[] = [];
    for (const day of ['Mar 29', 'Mar 30', 'Mar 31', 'Oct 25', 'Oct 26', 'Feb 28', 'Feb 29', 'Dec 31', 'Jan  1'])
      for (const time of ['01:59:59', '02:00:00', '02:30:00', '03:00:00', '23:59:59', '00:00:00']) for (let i = 0; i < RECEIVED.length; i++) lines.push(`<13>${day} ${time} R1 app: x`);
    assert.equal(new Date(2026, 2, 29, 2, 30).getHours(), 3, 'the zone did not take effect');
    assertAgree(lines);
  });
});
