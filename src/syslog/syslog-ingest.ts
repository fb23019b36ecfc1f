/**
 * The receiver's core, without sockets: a received line (bytes and who sent it) becomes a queued event,
 * or a counted drop, under the bounds of the config. The listeners (syslog-listeners.ts) feed it; the
 * writer (event-writer.ts) drains it into the store. Kept apart so every bound is tested with plain
 * calls and a fake clock.
 *
 * Order per line: count it; rate-limit by sender (over the rate: counted, reported later as one event);
 * on UDP, a full queue drops it (counted: UDP has no way to slow the sender); decode lossily; parse;
 * queue. TCP and TLS lines are always queued, because the listeners stop reading their sockets when the
 * queue is full (`full`), so the queue outgrows its bound by at most the frames of chunks already read.
 */
import { decodeLine } from './decode-line.js';
import { parseLine } from './parse-line.js';
import { SenderRateLimit, type SuppressionReport } from './sender-rate-limit.js';
import type { SenderDelta } from './event-queries.js';
import type { SyslogSettings } from './syslog-config-schema.js';
import type { SyslogEvent, SyslogTransport } from './syslog-event.js';

export interface SyslogCounters {
  /** Lines (datagrams, frames) received. */
  received: number;
  /** Events stored (lines, and one per suppression report). */
  stored: number;
  /** Lines stored with parsed = false. */
  unparsed: number;
  /** Lines longer than maxLineBytes, kept cut with the flag. */
  truncated: number;
  invalidUtf8: number;
  /** Lines over their sender's rate: counted, not stored one by one. */
  suppressed: number;
  /** "suppressed N lines from HOST" events made. */
  suppressionReports: number;
  /** UDP datagrams dropped because the queue was full. */
  droppedQueueFull: number;
  /** Octet-counted TCP/TLS frames the connection's end cut short (stored with what arrived, flagged truncated). */
  cutAtClose: number;
  /** Newline frames ended by the connection's end instead of LF (stored whole). */
  unterminatedAtClose: number;
  /** Empty datagrams and empty frames: nothing to store. */
  empty: number;
  connectionsOpen: number;
  connectionsTotal: number;
  /** Refused at maxConnections, or a failed TLS handshake. */
  connectionsRefused: number;
  connectionErrors: number;
  /** Times the TCP/TLS sockets were paused because the queue was full. */
  backpressurePauses: number;
  /** Events waiting for the store now. */
  queued: number;
  /** Failed batch writes (each retried: the events stay queued). */
  storeErrors: number;
  lastStoreError: string | null;
  /** Event listeners that threw. */
  listenerErrors: number;
}

export interface LineMeta {
  sourceAddress: string;
  transport: SyslogTransport;
  /** Cut at maxLineBytes by the framer (UDP: the datagram was longer). */
  truncated?: boolean;
}

export const SUPPRESSED_CODE = 'PATHMON-4-SYSLOG_SUPPRESSED';

export class SyslogIngest {
  readonly counters: SyslogCounters = {
    received: 0,
    stored: 0,
    unparsed: 0,
    truncated: 0,
    invalidUtf8: 0,
    suppressed: 0,
    suppressionReports: 0,
    droppedQueueFull: 0,
    cutAtClose: 0,
    unterminatedAtClose: 0,
    empty: 0,
    connectionsOpen: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    connectionErrors: 0,
    backpressurePauses: 0,
    queued: 0,
    storeErrors: 0,
    lastStoreError: null,
    listenerErrors: 0,
  };
  private queue: SyslogEvent[] = [];
  private head = 0;
  private readonly limiter: SenderRateLimit;
  private senders = new Map<string, SenderDelta>();
  private readonly waiters = new Set<() => void>();
  private readonly drainWaiters = new Set<() => void>();
  /** How each sender with a pending suppression count sent its lines (for the report event). */
  private readonly suppressedVia = new Map<string, SyslogTransport>();

  constructor(
    readonly settings: SyslogSettings,
    private readonly clock: () => number = Date.now,
  ) {
    this.limiter = new SenderRateLimit(settings.linesPerSec, settings.burstLines, settings.maxSenders);
  }

  /** One received line. Returns false when it was not queued (suppressed, dropped or empty). */
  accept(bytes: Buffer, meta: LineMeta): boolean {
    const nowMs = this.clock();
    const c = this.counters;
    if (bytes.length === 0) {
      c.empty++;
      return false;
    }
    c.received++;
    const sender = this.sender(meta.sourceAddress, nowMs);
    sender.received++;
    if (!this.limiter.take(meta.sourceAddress, nowMs)) {
      c.suppressed++;
      sender.suppressed++;
      this.suppressedVia.set(meta.sourceAddress, meta.transport);
      return false;
    }
    if (meta.transport === 'udp' && this.full) {
      c.droppedQueueFull++;
      sender.dropped++;
      return false;
    }
    let cut = meta.truncated === true;
    let body = bytes;
    if (body.length > this.settings.maxLineBytes) {
      body = body.subarray(0, this.settings.maxLineBytes);
      cut = true;
    }
    const { text, invalidUtf8 } = decodeLine(body, cut);
    if (text.length === 0) {
      c.empty++;
      return false;
    }
    const fields = parseLine(text, meta.sourceAddress, nowMs);
    // Copied field by field rather than spread: V8's spread copy is slow, and this runs for every line.
    const event: SyslogEvent = {
      id: 0,
      receivedAtMs: nowMs,
      sourceAddress: meta.sourceAddress,
      transport: meta.transport,
      deviceTimeMs: fields.deviceTimeMs,
      host: fields.host,
      facility: fields.facility,
      severity: fields.severity,
      program: fields.program,
      errorCode: fields.errorCode,
      message: fields.message,
      structuredData: fields.structuredData,
      parsed: fields.parsed,
      facts: fields.facts,
      raw: text,
      status: 'NEW',
      node: null,
      linkKey: null,
      incidentId: null,
    };
    if (cut) {
      event.truncated = true;
      c.truncated++;
      sender.truncated++;
    }
    if (invalidUtf8) {
      event.invalidUtf8 = true;
      c.invalidUtf8++;
      sender.invalidUtf8++;
    }
    if (!fields.parsed) {
      c.unparsed++;
      sender.unparsed++;
    }
    if (fields.parsed) sender.host = fields.host;
    this.push(event);
    return true;
  }

  /** Suppression counts due (a second per sender), queued as one event each; `all` at close. */
  reportSuppressed(all = false): number {
    const reports = this.limiter.dueReports(this.clock(), all);
    for (const report of reports) this.push(this.suppressionEvent(report));
    this.counters.suppressionReports += reports.length;
    return reports.length;
  }

  /** The queue is at its bound: UDP drops, TCP pauses. */
  get full(): boolean {
    return this.queue.length - this.head >= this.settings.maxQueuedEvents;
  }

  /** Up to `max` queued events, oldest first after the first `skip`, still queued until `commit`. */
  peek(max: number, skip = 0): SyslogEvent[] {
    return this.queue.slice(this.head + skip, this.head + skip + max);
  }

  /** The first `n` peeked events are stored: off the queue. */
  commit(n: number): void {
    this.head += n;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.counters.queued = this.queue.length - this.head;
    if (this.counters.queued === 0) for (const resolve of this.drainWaiters) resolve();
    if (!this.full) for (const resolve of [...this.waiters]) resolve();
  }

  /** Per-sender counts since the last call (to be added to the store), cleared. */
  takeSenderDeltas(): SenderDelta[] {
    const deltas = [...this.senders.values()];
    this.senders = new Map();
    return deltas;
  }

  /** Puts deltas back after a failed write, so no count is lost. */
  restoreSenderDeltas(deltas: SenderDelta[]): void {
    for (const delta of deltas) {
      const now = this.senders.get(delta.sourceAddress);
      if (!now) {
        this.senders.set(delta.sourceAddress, delta);
        continue;
      }
      now.firstSeenMs = Math.min(now.firstSeenMs, delta.firstSeenMs);
      now.lastSeenMs = Math.max(now.lastSeenMs, delta.lastSeenMs);
      for (const key of ['received', 'stored', 'unparsed', 'truncated', 'invalidUtf8', 'suppressed', 'dropped'] as const) now[key] += delta[key];
    }
  }

  /** Resolves once the queue is below its bound (the TCP listeners resume then). */
  whenNotFull(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
    });
  }

  /** Resolves once every queued event has been taken by the writer. */
  whenDrained(): Promise<void> {
    if (this.queue.length - this.head === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.drainWaiters.delete(done);
        resolve();
      };
      this.drainWaiters.add(done);
    });
  }

  /** Wakes the writer when something is queued. */
  onQueued: (() => void) | null = null;

  private push(event: SyslogEvent): void {
    this.queue.push(event);
    this.counters.queued = this.queue.length - this.head;
    this.onQueued?.();
  }

  private sender(sourceAddress: string, nowMs: number, seen = true): SenderDelta {
    let delta = this.senders.get(sourceAddress);
    if (!delta) {
      delta = {
        sourceAddress,
        host: sourceAddress,
        firstSeenMs: nowMs,
        lastSeenMs: nowMs,
        received: 0,
        stored: 0,
        unparsed: 0,
        truncated: 0,
        invalidUtf8: 0,
        suppressed: 0,
        dropped: 0,
      };
      this.senders.set(sourceAddress, delta);
    }
    if (seen) delta.lastSeenMs = nowMs;
    return delta;
  }

  private suppressionEvent(report: SuppressionReport): SyslogEvent {
    const { linesPerSec, burstLines } = this.settings;
    const host = this.senders.get(report.sourceAddress)?.host ?? report.sourceAddress;
    const transport = this.suppressedVia.get(report.sourceAddress) ?? 'udp';
    this.suppressedVia.delete(report.sourceAddress);
    const message =
      `suppressed ${report.suppressed} line${report.suppressed === 1 ? '' : 's'} from ${report.sourceAddress}` +
      ` between ${new Date(report.firstAtMs).toISOString()} and ${new Date(report.lastAtMs).toISOString()}` +
      ` (over syslog.rateLimit: ${linesPerSec} lines/s, burst ${burstLines})`;
    return {
      id: 0,
      receivedAtMs: this.clock(),
      deviceTimeMs: null,
      sourceAddress: report.sourceAddress,
      transport,
      host,
      facility: null,
      severity: 4,
      program: 'pathmon',
      errorCode: SUPPRESSED_CODE,
      message,
      structuredData: { 'pathmon@suppressed': { lines: String(report.suppressed), firstAtMs: String(report.firstAtMs), lastAtMs: String(report.lastAtMs) } },
      parsed: true,
      raw: message,
      status: 'NEW',
      node: null,
      linkKey: null,
      incidentId: null,
      facts: {},
    };
  }
}
