/**
 * The receiver with real sockets on 127.0.0.1 and a real store: util-linux `logger` sends over UDP and
 * TCP (RFC 5424 and RFC 3164, newline and octet-counted framing), raw sockets send what logger will
 * not (a frame cut by the connection's end, an oversized line, invalid UTF-8, a flood), and every event
 * is read back from the database.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { countEvents, listEvents, senderTotals, startSyslog, SUPPRESSED_CODE, type SyslogEvent, type SyslogReceiver } from '../../../src/syslog/index.js';
import type { SqlStore } from '../../../src/store/index.js';
import { syslogBackends } from './syslog-backends.js';

const run = promisify(execFile);

/** Resolves once `count` events are stored (or rejects after `timeoutMs`, naming how many came). */
function storedEvents(receiver: SyslogReceiver, count: number, timeoutMs = 15_000): Promise<SyslogEvent[]> {
  const seen: SyslogEvent[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`only ${seen.length} of ${count} events stored; counters ${JSON.stringify(receiver.counters())}`));
    }, timeoutMs);
    const stop = receiver.onEvent((event) => {
      seen.push(event);
      if (seen.length >= count) {
        clearTimeout(timer);
        stop();
        resolve(seen);
      }
    });
  });
}

function sendTcp(port: number, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(data));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

for (const backend of syslogBackends) {
  describe(`syslog receiver on ${backend.name}`, async () => {
    const skip = await backend.skip();
    let store: SqlStore;
    let dispose: () => Promise<void>;
    before(async () => {
      if (skip) return;
      ({ store, dispose } = await backend.open());
    });
    after(async () => {
      if (!skip) await dispose();
    });

    it('stores what logger sends over UDP and TCP, RFC 5424 and 3164, newline and octet-counted', { skip }, async () => {
      const receiver = await startSyslog({ udp: '127.0.0.1:0', tcp: '127.0.0.1:0' }, { store, log: () => undefined });
      try {
        const { udp, tcp } = receiver.ports;
        const waiting = storedEvents(receiver, 4);
        const frr = 'AdjChg: Nbr 10.0.0.6, NbrIP 10.1.1.13 (default) on r4-eth1: Full -> Deleted (InactivityTimer)';
        await run('logger', ['--server', '127.0.0.1', '--port', String(udp), '--udp', '--rfc5424', '-t', 'ospfd', '-p', 'daemon.notice', '--sd-id', 'test@32473', '--sd-param', 'case="udp5424"', frr]);
        await run('logger', [
          '--server',
          '127.0.0.1',
          '--port',
          String(tcp),
          '--tcp',
          '--rfc3164',
          '-t',
          'mib2d',
          '-p',
          'daemon.warning',
          'SNMP_TRAP_LINK_DOWN: ifIndex 523, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1',
        ]);
        await run('logger', [
          '--server',
          '127.0.0.1',
          '--port',
          String(tcp),
          '--tcp',
          '--octet-count',
          '--rfc5424',
          '-t',
          'R1',
          '-p',
          'local7.notice',
          '%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to down',
        ]);
        await run('logger', [
          '--server',
          '127.0.0.1',
          '--port',
          String(udp),
          '--udp',
          '--rfc3164',
          '-t',
          'R2',
          '-p',
          'local7.err',
          '%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/1 is down (Link failure)',
        ]);
        const emitted = await waiting;
        assert.ok(
          emitted.every((event) => event.id > 0),
          'listeners get stored events, with their ids',
        );
        const rows = await listEvents(store.sqlClient, { sinceMs: 0 });
        const byCode = new Map(rows.map((event) => [event.errorCode, event]));
        const ospf = byCode.get('OSPF-5-ADJCHG');
        assert.ok(ospf, `OSPF event stored; got ${rows.map((r) => r.errorCode).join(', ')}`);
        assert.equal(ospf.transport, 'udp');
        assert.equal(ospf.program, 'ospfd');
        assert.equal(ospf.severity, 5);
        assert.equal(ospf.facility, 3);
        assert.equal(ospf.sourceAddress, '127.0.0.1');
        assert.equal(ospf.structuredData['test@32473']?.case, 'udp5424');
        assert.deepEqual(ospf.facts, { neighborId: '10.0.0.6', neighborAddress: '10.1.1.13', interface: 'r4-eth1', fromState: 'Full', toState: 'Deleted', direction: 'down' });
        assert.equal(ospf.status, 'NEW');
        const juniper = byCode.get('SNMP_TRAP_LINK_DOWN');
        assert.equal(juniper?.transport, 'tcp');
        assert.equal(juniper?.program, 'mib2d');
        assert.equal(juniper?.facts?.interface, 'ge-0/0/1');
        assert.equal(byCode.get('LINEPROTO-5-UPDOWN')?.facts?.interface, 'GigabitEthernet0/1');
        assert.equal(byCode.get('ETHPORT-5-IF_DOWN_LINK_FAILURE')?.severity, 3);
        assert.deepEqual(new Set(emitted.map((e) => e.id)), new Set(rows.map((e) => e.id)));
        const [sender] = await senderTotals(store.sqlClient);
        assert.equal(sender?.sourceAddress, '127.0.0.1');
        assert.equal(sender?.received, 4);
        assert.equal(sender?.stored, 4);
      } finally {
        await receiver.close();
      }
    });

    it('keeps bad input, flagged and counted: a frame cut at close, oversized, invalid UTF-8, garbage', { skip }, async () => {
      const before = (await countEvents(store.sqlClient)).total;
      const receiver = await startSyslog({ tcp: '127.0.0.1:0', udp: '127.0.0.1:0', maxLineBytes: 512 }, { store, log: () => undefined });
      try {
        const { tcp, udp } = receiver.ports;
        const waiting = storedEvents(receiver, 6);
        const whole = '<13>1 2024-06-01T00:00:00Z dev app - - - whole';
        // A counted frame, then one announcing 100 bytes of which 20 arrive before the connection ends.
        await sendTcp(tcp!, `${whole.length} ${whole}100 <13>1 - dev app - - - cut`);
        await sendTcp(tcp!, `<13>Jun  1 00:00:00 dev app: ${'x'.repeat(5000)}\n`);
        await sendTcp(tcp!, Buffer.concat([Buffer.from('<13>Jun  1 00:00:00 dev app: caf'), Buffer.from([0xe9]), Buffer.from(' latin-1\n')]));
        const udpSocket = createSocket('udp4');
        await new Promise<void>((resolve) => udpSocket.send('this is not syslog', udp!, '127.0.0.1', () => resolve()));
        // PostgreSQL text cannot hold NUL: kept as U+FFFD rather than failing the batch.
        await new Promise<void>((resolve) => udpSocket.send('<13>Jun  1 00:00:00 dev app: nul\0inside', udp!, '127.0.0.1', () => resolve()));
        udpSocket.close();
        await waiting;
        const rows = (await listEvents(store.sqlClient, { sinceMs: 0 })).slice(0, (await countEvents(store.sqlClient)).total - before);
        const find = (test: (e: SyslogEvent) => boolean) => rows.find(test);
        assert.ok(find((e) => e.message === 'whole' && !e.truncated));
        const cut = find((e) => e.raw.includes('cut'));
        assert.equal(cut?.truncated, true);
        const long = find((e) => e.raw.includes('xxxx'));
        assert.equal(long?.truncated, true);
        assert.equal(Buffer.byteLength(long!.raw), 512);
        const latin = find((e) => e.raw.includes('latin-1'));
        assert.equal(latin?.invalidUtf8, true);
        assert.match(latin!.message, /caf\uFFFD latin-1/);
        assert.ok(
          find((e) => e.message === 'nul\uFFFDinside'),
          'the NUL line is stored',
        );
        const garbage = find((e) => !e.parsed);
        assert.equal(garbage?.raw, 'this is not syslog');
        const c = receiver.counters();
        assert.deepEqual([c.cutAtClose, c.truncated, c.invalidUtf8, c.unparsed, c.stored, c.storeErrors], [1, 2, 1, 1, 6, 0]);
        assert.equal((await countEvents(store.sqlClient)).unparsed >= 1, true);
      } finally {
        await receiver.close();
      }
    });

    it('a flood from one host is stored up to its rate, the rest as one counted event; TCP backpressure loses nothing', { skip }, async () => {
      const receiver = await startSyslog(
        { udp: '127.0.0.1:0', tcp: '127.0.0.1:0', rateLimit: { linesPerSec: 1, burstLines: 100 }, maxQueuedEvents: 100, batchSize: 50 },
        { store, log: () => undefined },
      );
      try {
        const { udp } = receiver.ports;
        const socket = createSocket('udp4');
        const lines = 1000;
        const startedMs = Date.now();
        // Paced in small bursts: the flood must reach the receiver, not overflow the kernel's socket buffer
        // while an in-process PGlite insert holds the event loop.
        for (let i = 0; i < lines; i++) {
          await new Promise<void>((resolve) => socket.send(`<13>Jun  1 00:00:00 flooder app: line ${i}`, udp!, '127.0.0.1', () => resolve()));
          if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 2));
        }
        socket.close();
        const sendingMs = Date.now() - startedMs;
        const deadline = Date.now() + 10_000;
        while ((receiver.counters().suppressionReports === 0 || receiver.counters().queued > 0) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await receiver.close();
        const c = receiver.counters();
        assert.equal(c.received, lines);
        const allowed = 100 + Math.ceil((sendingMs + 100) / 1000);
        assert.ok(c.stored - c.suppressionReports <= allowed, `stored ${c.stored} in ${sendingMs} ms: expected at most the burst and the rate, ${allowed}`);
        assert.ok(c.suppressed > 0 && c.suppressed >= lines - allowed, `suppressed ${c.suppressed}`);
        assert.equal(c.suppressed + c.stored - c.suppressionReports + c.droppedQueueFull, lines);
        const reports = await listEvents(store.sqlClient, { code: SUPPRESSED_CODE });
        assert.ok(reports.length >= 1);
        const reported = reports.reduce((sum, e) => sum + Number(e.structuredData['pathmon@suppressed']?.lines), 0);
        assert.equal(reported, c.suppressed, 'every suppressed line is in a report');
      } finally {
        await receiver.close();
      }
    });

    it('TCP senders faster than the store are paused, not dropped', { skip }, async () => {
      const receiver = await startSyslog({ tcp: '127.0.0.1:0', rateLimit: { linesPerSec: 1_000_000, burstLines: 1_000_000 }, maxQueuedEvents: 100, batchSize: 20 }, { store, log: () => undefined });
      try {
        const lines = 5000;
        const waiting = storedEvents(receiver, lines, 60_000);
        const body = Array.from({ length: lines }, (_, i) => `<13>Jun  1 00:00:00 fast app: line ${i}\n`).join('');
        await sendTcp(receiver.ports.tcp!, body);
        const events = await waiting;
        assert.deepEqual(
          events.map((e) => e.message),
          Array.from({ length: lines }, (_, i) => `line ${i}`),
        );
        assert.ok(receiver.counters().backpressurePauses > 0, 'the queue filled and the socket was paused');
      } finally {
        await receiver.close();
      }
    });

    it('receives over TLS with the configured certificate', { skip }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pathmon-syslog-tls-'));
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], {
          stdio: 'ignore',
        });
        const receiver = await startSyslog({ tls: { listen: '127.0.0.1:0', certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } }, { store, log: () => undefined });
        try {
          const waiting = storedEvents(receiver, 1);
          const line = '<187>1 2024-06-01T00:00:00Z nx1 - - - - %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/2 is down (Link failure)';
          await new Promise<void>((resolve, reject) => {
            const socket = tlsConnect({ host: '127.0.0.1', port: receiver.ports.tls!, rejectUnauthorized: false }, () => socket.end(`${Buffer.byteLength(line)} ${line}`));
            socket.on('error', reject);
            socket.on('close', () => resolve());
          });
          const [event] = await waiting;
          assert.equal(event?.transport, 'tls');
          assert.equal(event?.host, 'nx1');
          assert.equal(event?.facts?.interface, 'Ethernet1/2');
        } finally {
          await receiver.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('syslog receiver start-up', () => {
  it('refuses an unreadable TLS key and a port in use, naming the field', async () => {
    const fakeStore = { sqlClient: { query: async () => ({ rows: [], rowCount: 0 }), exec: async () => undefined, transaction: async () => undefined, close: async () => undefined, kind: 'pglite' } };
    await assert.rejects(
      startSyslog({ tls: { listen: '127.0.0.1:0', certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem' } }, { store: fakeStore }),
      (error: Error & { code?: string }) => error.code === 'bad-config' && /syslog\.tls\.certFile/.test(error.message),
    );
    const first = await startSyslog({ udp: '127.0.0.1:0' }, { store: fakeStore });
    try {
      await assert.rejects(
        startSyslog({ udp: `127.0.0.1:${first.ports.udp}` }, { store: fakeStore }),
        (error: Error & { code?: string }) => error.code === 'listen-failed' && /syslog\.udp/.test(error.message),
      );
    } finally {
      await first.close();
    }
  });
});
