/**
 * Syslog ingest, measured in one run on one machine:
 * - pathmon: lines sent over TCP by a separate sender process (so the sender does not share pathmon's
 *   event loop), framed, rate-checked, parsed and stored in the PostgreSQL server (a fresh schema),
 *   timed from the first byte sent to the last event committed. Goal >= 20,000 events/s.
 * - parse only: the same lines through the ingest (decode, parse, queue) with no socket and no store,
 *   so the share of the database is visible.
 * - peer: rsyslogd, run as a child with its own config, pid file and work directory, receiving the same
 *   lines from the same sender over imtcp on an unprivileged port and writing them to a file (omfile),
 *   timed from the first byte sent to the last line in the file.
 * The line mix is what the receiver sees from a network: Cisco (RFC 3164), Juniper and FRR (RFC 5424),
 * with codes and without. Medians of several runs; the machine is shared, so figures are noisy.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type SqlStore } from '../../src/store/index.js';
import { countEvents, startSyslog } from '../../src/syslog/index.js';
import { SyslogIngest } from '../../src/syslog/syslog-ingest.js';
import { syslogConfigSchema, syslogSettings } from '../../src/syslog/syslog-config-schema.js';
import { dropSchema, pgUnreachableReason, testPgUrl, uniqueSchemaName } from '../helpers/test-postgres.js';
import type { Benchmark } from './benchmark.js';

const GOAL_PER_S = 20_000;
const LINES = 200_000;
const RUNS = 3;
const PARSE_LINES = 200_000;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sig = (v: number): number => Number(v.toPrecision(4));

/** The i-th line of the mix. */
function line(i: number): string {
  const n = i % 5;
  const r = `R${i % 97}`;
  if (n === 0) return `<189>Jun  1 11:59:58 ${r} ${i}: *Jun  1 11:59:58.123: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/${i % 48}, changed state to down`;
  if (n === 1) return `<29>1 2025-06-01T11:59:58.123456+00:00 ${r} ospfd 4321 - - AdjChg: Nbr 10.0.${i % 250}.6, NbrIP 10.1.1.13 (default) on eth${i % 8}: Full -> Deleted (InactivityTimer)`;
  if (n === 2)
    return `<28>1 2025-06-01T11:59:58.123Z mx${i % 20} mib2d 1234 SNMP_TRAP_LINK_DOWN [junos@2636.1.1.1.2.18 snmp-interface-index="${i % 900}" interface-name="ge-0/0/${i % 24}"] ifIndex ${i % 900}, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/${i % 24}`;
  if (n === 3) return `<30>Jun  1 11:59:58 ${r} zebra[812]: interface eth${i % 8} vrf default index ${i % 64} changed`;
  return `<187>Jun  1 11:59:58 nx${i % 30} %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/${i % 48} is down (Link failure)`;
}

/** A sender process: connects to 127.0.0.1:port, writes `lines` newline-framed lines, exits when all are written. */
function startSender(port: number, lines: number): ChildProcess {
  const script = `
    const net = require('node:net');
    const line = ${line.toString()};
    const chunks = [];
    for (let i = 0; i < ${lines}; i += 5000) {
      let s = '';
      for (let j = i; j < Math.min(i + 5000, ${lines}); j++) s += line(j) + '\\n';
      chunks.push(Buffer.from(s));
    }
    process.send('ready');
    process.on('message', () => {
      const socket = net.connect(${port}, '127.0.0.1', async () => {
        for (const chunk of chunks) if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
        socket.end();
      });
      socket.on('close', () => process.exit(0));
    });`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Starts the sender, waits until its lines are built, then tells it to go; resolves with the start time. */
async function send(port: number, lines: number): Promise<{ startedMs: number; child: ChildProcess }> {
  const child = startSender(port, lines);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bench.syslog: the sender exited (${code}) before it was ready`)));
  });
  const startedMs = performance.now();
  child.send('go');
  return { startedMs, child };
}

async function pathmonRun(store: SqlStore): Promise<number> {
  const config = syslogConfigSchema.parse({
    tcp: '127.0.0.1:0',
    rateLimit: { linesPerSec: 10_000_000, burstLines: 10_000_000 },
    maxQueuedEvents: 100_000,
    batchSize: 5000,
  });
  const receiver = await startSyslog(config, { store, log: (text) => console.error(text) });
  try {
    const before = receiver.counters().stored;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const stop = receiver.onEvent(() => {
      if (receiver.counters().stored - before >= LINES) done();
    });
    const { startedMs } = await send(receiver.ports.tcp!, LINES);
    await finished;
    const elapsedMs = performance.now() - startedMs;
    stop();
    return LINES / (elapsedMs / 1000);
  } finally {
    await receiver.close();
  }
}

/** One run of PARSE_LINES through a fresh ingest; lines/s. */
function parseOnlyRate(): number {
  const ingest = new SyslogIngest(syslogSettings(syslogConfigSchema.parse({ udp: '127.0.0.1:0', rateLimit: { linesPerSec: 10_000_000, burstLines: 10_000_000 }, maxQueuedEvents: 10_000_000 })));
  const buffers = Array.from({ length: 1000 }, (_, i) => Buffer.from(line(i)));
  const startedMs = performance.now();
  for (let i = 0; i < PARSE_LINES; i++) {
    ingest.accept(buffers[i % 1000]!, { sourceAddress: '192.0.2.1', transport: 'tcp' });
    if (i % 10_000 === 9_999) ingest.commit(10_000);
  }
  return PARSE_LINES / ((performance.now() - startedMs) / 1000);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function lineCount(file: string): number {
  if (!existsSync(file)) return 0;
  const data = readFileSync(file);
  let n = 0;
  for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** rsyslogd's receive rate, or why it could not be measured. */
async function rsyslogRun(): Promise<number | string> {
  const binary = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((path) => existsSync(path));
  if (!binary) return 'rsyslogd is not installed (apt package rsyslog)';
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-bench-rsyslog-'));
  const port = await freePort();
  const out = join(dir, 'out.log');
  writeFileSync(
    join(dir, 'rsyslog.conf'),
    [
      `global(workDirectory="${dir}")`,
      'module(load="imtcp")',
      `input(type="imtcp" address="127.0.0.1" port="${port}")`,
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      `action(type="omfile" file="${out}" template="raw" asyncWriting="on" flushOnTXEnd="on" ioBufferSize="256k")`,
    ].join('\n'),
  );
  const child = spawn(binary, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    // Ready when its port accepts connections.
    const readyBy = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const probe = createServer();
        probe.once('error', () => resolve(true));
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
      });
      if (ok) break;
      if (child.exitCode !== null || Date.now() > readyBy) return `rsyslogd did not start: ${stderr.trim().slice(0, 300) || `exit ${child.exitCode}`}`;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const target = lineCount(out) + LINES;
      const { startedMs } = await send(port, LINES);
      const deadline = Date.now() + 120_000;
      // Polling the size first is cheap; lines are counted once it stops growing or looks complete.
      let lastSize = -1;
      for (;;) {
        const size = existsSync(out) ? statSync(out).size : 0;
        if (size !== lastSize) {
          lastSize = size;
          if (lineCount(out) >= target) break;
        }
        if (Date.now() > deadline) return `rsyslogd wrote ${lineCount(out)} of ${target} lines in 120 s`;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      rates.push(LINES / ((performance.now() - startedMs) / 1000));
    }
    return median(rates);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'syslog-ingest',
  async run(log) {
    // Median of RUNS like the other figures; the first run also pays for compiling the code.
    const parseRates = Array.from({ length: RUNS }, () => parseOnlyRate());
    const parsePerS = sig(median(parseRates));
    log(`parse only (decode, rate check, parse, queue; no socket, no store): ${parsePerS} lines/s (median of ${RUNS} runs of ${PARSE_LINES}; runs ${parseRates.map(sig).join(', ')})`);
    const unreachable = await pgUnreachableReason();
    let serverPerS: number | null = null;
    let events = 0;
    if (unreachable) {
      log(`PostgreSQL server: not measured (${unreachable})`);
    } else {
      const schema = uniqueSchemaName('pmbench');
      const store = await openStore(testPgUrl, { schema });
      try {
        const rates: number[] = [];
        for (let run = 0; run < RUNS; run++) rates.push(await pathmonRun(store));
        serverPerS = sig(median(rates));
        events = (await countEvents(store.sqlClient)).total;
        log(
          `pathmon over TCP into the PostgreSQL server: ${serverPerS} events/s (median of ${RUNS} runs of ${LINES}; runs ${rates.map(sig).join(', ')}; ${events} stored)` +
            ` — goal >= ${GOAL_PER_S}: ${serverPerS >= GOAL_PER_S ? 'met' : 'MISSED'}`,
        );
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    }
    const rsyslog = await rsyslogRun();
    const version = (spawnSync('/usr/sbin/rsyslogd', ['-v'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? '').replace(/\s*compiled with:.*$/, '').replace(/\s+/g, ' ');
    if (typeof rsyslog === 'number') log(`peer: ${version.trim() || 'rsyslogd'} imtcp -> omfile: ${sig(rsyslog)} lines/s (median of ${RUNS} runs of ${LINES})`);
    else log(`peer: rsyslogd not measured: ${rsyslog}`);
    return {
      goalPerS: GOAL_PER_S,
      lines: LINES,
      runs: RUNS,
      parseOnlyPerS: parsePerS,
      pathmonServerPerS: serverPerS,
      goalMet: serverPerS !== null && serverPerS >= GOAL_PER_S,
      storedInRun: events,
      rsyslogPerS: typeof rsyslog === 'number' ? sig(rsyslog) : null,
      rsyslogNote: typeof rsyslog === 'number' ? version.trim() : rsyslog,
    };
  },
};
