/**
 * The writer against a fake server connection that behaves as PostgreSQL does where it matters here:
 * ids from a sequence that never goes back, transactions whose writes count only when they commit,
 * and a COPY that can fail. The COPY bytes are read back with a decoder written from the format's
 * description, not with the encoder.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventWriter } from '../../../src/syslog/event-writer.js';
import { SyslogIngest } from '../../../src/syslog/syslog-ingest.js';
import { syslogConfigSchema, syslogSettings } from '../../../src/syslog/syslog-config-schema.js';
import type { SqlClient, SqlQueryable, SqlRows } from '../../../src/store/sql-client.js';
import type { SyslogEvent } from '../../../src/syslog/syslog-event.js';

interface StoredRow {
  id: number;
  raw: string;
}

/** Rows of a binary COPY: id (column 0, bigint) and raw (column 16, text). */
function copyRows(data: Buffer): StoredRow[] {
  assert.equal(data.subarray(0, 11).toString('latin1'), 'PGCOPY\n\xff\r\n\0');
  let at = 19;
  const rows: StoredRow[] = [];
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    assert.equal(fields, 21);
    const values: (Buffer | null)[] = [];
    for (let f = 0; f < fields; f++) {
      const length = data.readInt32BE(at);
      at += 4;
      values.push(length < 0 ? null : data.subarray(at, at + length));
      if (length > 0) at += length;
    }
    rows.push({ id: Number(values[0]!.readBigInt64BE(0)), raw: values[16]!.toString('utf8') });
  }
  assert.equal(at, data.length, 'bytes after the trailer');
  return rows;
}

class FakeServer implements SqlClient {
  readonly kind = 'postgres';
  private nextId = 1;
  readonly rows: StoredRow[] = [];
  readonly senderCounts: { received: number; stored: number }[] = [];
  open = 0;
  maxOpen = 0;
  /** COPYs still to fail. */
  failCopies = 0;

  constructor(private readonly pending = new Map<SqlQueryable, { rows: StoredRow[]; counts: { received: number; stored: number }[] }>()) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<SqlRows<T>> {
    return this.run<T>(sql, params, null);
  }

  async exec(): Promise<void> {}

  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    const writes = { rows: [] as StoredRow[], counts: [] as { received: number; stored: number }[] };
    const tx: SqlQueryable = { query: (sql, params) => this.run(sql, params ?? [], tx), exec: async () => undefined };
    this.pending.set(tx, writes);
    try {
      const result = await work(tx);
      this.rows.push(...writes.rows);
      this.senderCounts.push(...writes.counts);
      return result;
    } finally {
      this.pending.delete(tx);
      this.open--;
    }
  }

  async copyFrom(_table: string, _columns: string[], data: Buffer, tx: SqlQueryable): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failCopies > 0) {
      this.failCopies--;
      throw new Error('connection terminated');
    }
    this.pending.get(tx)!.rows.push(...copyRows(data));
  }

  async close(): Promise<void> {}

  private async run<T>(sql: string, params: unknown[], tx: SqlQueryable | null): Promise<SqlRows<T>> {
    await new Promise((resolve) => setImmediate(resolve));
    if (sql.includes('nextval')) {
      const rows = Array.from({ length: params[0] as number }, () => ({ id: this.nextId++ }));
      return { rows: rows as T[], rowCount: rows.length };
    }
    if (sql.includes('syslog_senders') && tx) {
      for (const d of JSON.parse(params[0] as string) as { received: number; stored: number }[]) this.pending.get(tx)!.counts.push(d);
    }
    return { rows: [], rowCount: 0 };
  }
}

function backlog(lines: number): SyslogIngest {
  const ingest = new SyslogIngest(
    syslogSettings(syslogConfigSchema.parse({ tcp: '127.0.0.1:0', batchSize: 100, maxQueuedEvents: 10_000, rateLimit: { linesPerSec: 1_000_000, burstLines: 1_000_000 } })),
  );
  for (let i = 0; i < lines; i++) ingest.accept(Buffer.from(`<13>Jun  1 11:00:00 h app: line ${i}`), { sourceAddress: '10.0.0.1', transport: 'tcp' });
  return ingest;
}

const lineNo = (raw: string): number => Number(raw.slice(raw.lastIndexOf(' ') + 1));

function assertStoredOnceInOrder(server: FakeServer, emitted: SyslogEvent[], lines: number): void {
  assert.deepEqual(
    server.rows.map((row) => lineNo(row.raw)).sort((a, b) => a - b),
    Array.from({ length: lines }, (_, i) => i),
    'every line stored exactly once',
  );
  const byId = [...server.rows].sort((a, b) => a.id - b.id);
  assert.deepEqual(
    byId.map((row) => lineNo(row.raw)),
    Array.from({ length: lines }, (_, i) => i),
    'ids follow the order received',
  );
  assert.deepEqual(
    emitted.map((event) => lineNo(event.raw)),
    Array.from({ length: lines }, (_, i) => i),
    'listeners see events in the order received',
  );
  for (const event of emitted) assert.equal(event.id, server.rows.find((row) => row.raw === event.raw)!.id, 'an event is handed on with the id it was stored under');
  const totals = server.senderCounts.reduce((sum, d) => ({ received: sum.received + d.received, stored: sum.stored + d.stored }), { received: 0, stored: 0 });
  assert.deepEqual(totals, { received: lines, stored: lines }, 'sender counts committed once');
}

describe('syslog event writer', () => {
  it('writes a backlog two batches at a time, keeping ids, commits and listeners in the order received', async () => {
    const ingest = backlog(350);
    const server = new FakeServer();
    const writer = new EventWriter(ingest, server);
    const emitted: SyslogEvent[] = [];
    writer.onEvent((event) => emitted.push(event));
    writer.kick();
    await writer.close();
    assert.equal(server.maxOpen, 2, 'a second batch was written beside the first');
    assertStoredOnceInOrder(server, emitted, 350);
    assert.equal(ingest.counters.stored, 350);
    assert.equal(ingest.counters.queued, 0);
    assert.equal(ingest.counters.storeErrors, 0);
  });

  it('a failed batch rolls back the one written beside it; the retry stores both once, in order', async () => {
    const ingest = backlog(350);
    const server = new FakeServer();
    server.failCopies = 1;
    const logged: string[] = [];
    const writer = new EventWriter(ingest, server, { log: (line) => logged.push(line) });
    const emitted: SyslogEvent[] = [];
    writer.onEvent((event) => emitted.push(event));
    writer.kick();
    // Let the first attempt fail, then close: close writes what is queued.
    while (ingest.counters.storeErrors === 0) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(server.rows.length, 0, 'the batch beside the failed one was not committed');
    assert.equal(emitted.length, 0);
    await writer.close();
    assertStoredOnceInOrder(server, emitted, 350);
    assert.equal(ingest.counters.storeErrors, 1);
    assert.match(logged[0]!, /storing 200 event\(s\) failed: connection terminated/);
  });

  it('with one connection (PGlite, no COPY) writes one batch at a time', async () => {
    const ingest = backlog(250);
    const server = new FakeServer();
    const single: SqlClient = {
      kind: 'pglite',
      query: (sql, params) => server.query(sql, params),
      exec: () => server.exec(),
      transaction: (work) => server.transaction(work),
      close: () => server.close(),
    };
    const writer = new EventWriter(ingest, single);
    writer.kick();
    await writer.close();
    assert.equal(server.maxOpen, 1);
    assert.equal(ingest.counters.stored, 250);
  });
});
