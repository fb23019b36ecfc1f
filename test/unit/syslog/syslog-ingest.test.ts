import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SyslogIngest, SUPPRESSED_CODE } from '../../../src/syslog/syslog-ingest.js';
import { syslogSettings, syslogConfigSchema } from '../../../src/syslog/syslog-config-schema.js';

function ingestWith(config: object, clock: { now: number }) {
  return new SyslogIngest(syslogSettings(syslogConfigSchema.parse({ udp: '127.0.0.1:0', ...config })), () => clock.now);
}
const line = (i: number) => Buffer.from(`<13>Jun  1 11:00:00 flood app: line ${i}`);

describe('syslog ingest bounds', () => {
  it('a flood from one host is stored up to its bucket, the rest counted and reported as one event a second', () => {
    const clock = { now: 1_000_000 };
    const ingest = ingestWith({ rateLimit: { linesPerSec: 100, burstLines: 200 } }, clock);
    let queued = 0;
    for (let i = 0; i < 10_000; i++) if (ingest.accept(line(i), { sourceAddress: '10.9.9.9', transport: 'udp' })) queued++;
    // A quiet neighbour is not starved by the flood.
    assert.equal(ingest.accept(line(0), { sourceAddress: '10.1.1.1', transport: 'udp' }), true);
    assert.equal(queued, 200);
    assert.equal(ingest.counters.suppressed, 9_800);
    assert.equal(ingest.reportSuppressed(), 0, 'no report before a second has passed');
    clock.now += 1000;
    assert.equal(ingest.reportSuppressed(), 1);
    const events = ingest.peek(1000);
    const report = events[events.length - 1]!;
    assert.equal(report.errorCode, SUPPRESSED_CODE);
    assert.equal(report.sourceAddress, '10.9.9.9');
    assert.equal(report.structuredData['pathmon@suppressed']?.lines, '9800');
    assert.match(report.message, /suppressed 9800 lines from 10\.9\.9\.9/);
    // Refilled: 100 a second.
    for (let i = 0; i < 150; i++) ingest.accept(line(i), { sourceAddress: '10.9.9.9', transport: 'udp' });
    assert.equal(ingest.counters.suppressed, 9_850);
  });

  it('UDP is dropped and counted when the queue is full; TCP is queued (its sockets are paused instead)', () => {
    const clock = { now: 0 };
    const ingest = ingestWith({ maxQueuedEvents: 100, rateLimit: { linesPerSec: 1_000_000, burstLines: 1_000_000 } }, clock);
    for (let i = 0; i < 150; i++) ingest.accept(line(i), { sourceAddress: '10.0.0.1', transport: 'udp' });
    assert.equal(ingest.counters.queued, 100);
    assert.equal(ingest.counters.droppedQueueFull, 50);
    assert.equal(ingest.full, true);
    assert.equal(ingest.accept(line(1), { sourceAddress: '10.0.0.1', transport: 'tcp' }), true);
    assert.equal(ingest.counters.queued, 101);
    let resumed = false;
    void ingest.whenNotFull().then(() => {
      resumed = true;
    });
    ingest.commit(50);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        assert.equal(resumed, true);
        assert.equal(ingest.counters.queued, 51);
        resolve();
      }),
    );
  });

  it('oversized, invalid UTF-8 and unparsable lines are each kept, flagged and counted', () => {
    const clock = { now: 0 };
    const ingest = ingestWith({ maxLineBytes: 480 }, clock);
    ingest.accept(Buffer.from(`<13>Jun  1 11:00:00 h app: ${'z'.repeat(2000)}`), { sourceAddress: '10.0.0.2', transport: 'udp' });
    ingest.accept(Buffer.from([...Buffer.from('<13>Jun  1 11:00:00 h app: bad '), 0xc3, 0x28]), { sourceAddress: '10.0.0.2', transport: 'udp' });
    ingest.accept(Buffer.from('not syslog at all'), { sourceAddress: '10.0.0.2', transport: 'udp' });
    const [long, bad, garbage] = ingest.peek(10);
    assert.equal(long!.truncated, true);
    assert.equal(Buffer.byteLength(long!.raw), 480);
    assert.equal(bad!.invalidUtf8, true);
    assert.match(bad!.message, /bad \uFFFD\(/);
    assert.equal(garbage!.parsed, false);
    assert.equal(garbage!.raw, 'not syslog at all');
    const c = ingest.counters;
    assert.deepEqual([c.received, c.truncated, c.invalidUtf8, c.unparsed, c.queued], [3, 1, 1, 1, 3]);
    const [sender] = ingest.takeSenderDeltas();
    assert.deepEqual([sender!.received, sender!.truncated, sender!.invalidUtf8, sender!.unparsed], [3, 1, 1, 1]);
  });

  it('refuses a section with no listener and bad addresses, naming the field', () => {
    assert.equal(syslogConfigSchema.safeParse({}).success, false);
    const bad = syslogConfigSchema.safeParse({ udp: '0.0.0.0:99999' });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error!.issues[0]!.path, ['udp']);
    assert.equal(syslogConfigSchema.safeParse({ tcp: '[::1]:5514', maxLineBytes: 100 }).success, false);
    assert.equal(syslogConfigSchema.safeParse({ tcp: '[::1]:5514' }).success, true);
  });
});
