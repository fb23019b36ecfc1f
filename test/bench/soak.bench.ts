/**
 * Soak ("nothing lost, nothing silent"): the real `pathmon run` on about 1,000 answered paths
 * for 10 minutes, with the database cut for a minute and the monitor kill -9'd and restarted once, and
 * two link faults so that notifications are due. The peer is the run's own ledger: what the database
 * says was run and was due against what was stored and delivered; no other tool is compared.
 *
 * Set-up: a lab (`pathmon lab up`) of a 7-router full mesh with the prober on M1 and three endpoints
 * (soak/mesh-topology.ts): 978 user paths and the link-cover walks, every probe forwarded and answered
 * by the lab's C GRE routers. Rounds every 3 s, 3 probes per path. The store is the machine's
 * PostgreSQL (db `test`, a schema made for the run and dropped after) through a TCP cut proxy; the
 * fake Freshdesk, the SMTP sink and the proxy are bridged into the prober's namespace by port. A
 * poller inside the namespace (soak/metrics-poller.ts) reads pathmon_rounds_total every second, so the
 * rounds a process completed are known even when it is killed.
 *
 * Timeline (fractions of the run; at the default 10 minutes): 2 min link A down; 3 min cleared; 4 min
 * the database cut and link B down; 5 min the database back; 6 min kill -9 and an immediate restart
 * (same config, store and data directory); 7 min link B cleared; 10 min SIGTERM.
 * PATHMON_SOAK_MINUTES shortens (or lengthens) the whole timeline, the cut with it.
 *
 * Printed: rounds run (per process) against rounds stored per path (min/median/max over all paths),
 * the rounds lost around the kill, incident changes stored against tickets, notes, resolves and mails
 * delivered, tickets per incident, the monitor's RSS every 10 s and min/max per process, and any
 * probe-rx/probe-tx helper still alive after the kill -9.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { namespaceName } from '../../lab/lab-plan.js';
import { cliPath, runCli, uniqueLabName } from '../helpers/cli.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../helpers/fake-freshdesk.js';
import { repoRoot } from '../helpers/repo-root.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startCutProxy, type CutProxy } from '../helpers/tcp-cut-proxy.js';
import { dropSchema, pgUnreachableReason, testPgUrl, uniqueSchemaName, urlThroughPort } from '../helpers/test-postgres.js';
import { startPortBridge, type PortBridge } from '../integration/monitor/netns-port-bridge.js';
import type { Benchmark } from './benchmark.js';
import { notificationLedger, roundsStored, withSchema } from './soak/ledger.js';
import { meshTopology } from './soak/mesh-topology.js';
import { processName, startMonitorProcess, type HelperProcess, type MonitorProcess } from './soak/monitor-process.js';

const INTERVAL_MS = 3000;
const RSS_EVERY_MS = 10_000;
const METRICS_PORT = 9470;
const LINK_A: [string, string] = ['M2', 'M3'];
const LINK_B: [string, string] = ['M4', 'M5'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const round1 = (x: number) => Math.round(x * 10) / 10;
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

function soakMinutes(): number {
  const raw = process.env.PATHMON_SOAK_MINUTES;
  if (raw === undefined || raw === '') return 10;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 1 || minutes > 240) {
    throw new Error(`bench.soak: PATHMON_SOAK_MINUTES ${JSON.stringify(raw)} is not a number of minutes from 1 to 240`);
  }
  return minutes;
}

function unavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (lab namespaces, raw sockets)';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'no `ip netns` here';
  }
  return null;
}

function labCli(args: string[]): void {
  const run = runCli(args, { timeoutMs: 120_000 });
  if (run.status !== 0) throw new Error(`bench.soak: pathmon ${args.join(' ')} exited ${run.status}: ${run.stderr.trim()}`);
}

/** The namespace-side /metrics poller; its readings ("<ms> <rounds>") land in `readings`. */
function startMetricsPoller(namespace: string, readings: { atMs: number; rounds: number }[]): ChildProcess {
  const script = join(repoRoot, 'dist', 'test', 'bench', 'soak', 'metrics-poller.js');
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, script, String(METRICS_PORT), '1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [atMs, rounds] = line.split(' ').map(Number);
      if (Number.isFinite(atMs) && Number.isFinite(rounds)) readings.push({ atMs: atMs!, rounds: rounds! });
    }
  });
  return child;
}

interface RssSample {
  atS: number;
  process: 1 | 2;
  rssMb: number;
}

export const benchmark: Benchmark = {
  name: 'soak',
  async run(log) {
    const why = unavailable() ?? (await pgUnreachableReason());
    if (why) {
      log(`  soak: not measured (${why})`);
      return { measured: false, reason: why };
    }
    const minutes = soakMinutes();
    const totalMs = minutes * 60_000;
    const at = (fraction: number) => fraction * totalMs;
    const lab = uniqueLabName();
    const schema = uniqueSchemaName('pmsoak');
    const dir = mkdtempSync(join(tmpdir(), 'pathmon-soak-'));
    const apiKey = `fd-soak-${process.pid}-secret-key`;
    const proberNamespace = namespaceName(lab, 'prb');
    let freshdesk: FakeFreshdesk | null = null;
    let smtp: SmtpSink | null = null;
    let proxy: CutProxy | null = null;
    let bridge: PortBridge | null = null;
    let poller: ChildProcess | null = null;
    const monitors: MonitorProcess[] = [];
    const orphans: HelperProcess[] = [];
    let rssTimer: NodeJS.Timeout | null = null;
    log(`  soak: ${minutes} min, lab ${lab}, schema ${schema}; the peer is this run's own ledger (what the database says was run and due vs what was stored and delivered); load ${load().join(' ')}`);
    try {
      const mesh = meshTopology(7, 3);
      const topologyFile = join(dir, 'mesh.yaml');
      writeFileSync(topologyFile, mesh.yaml);
      labCli(['lab', 'up', topologyFile, '--name', lab]);
      freshdesk = await startFakeFreshdesk({ apiKey });
      smtp = await startSmtpSink();
      const pg = new URL(testPgUrl);
      proxy = await startCutProxy(Number(pg.port || 5432), pg.hostname);
      const freshdeskPort = Number(new URL(freshdesk.baseUrl).port);
      bridge = await startPortBridge(proberNamespace, [freshdeskPort, smtp.port, proxy.port]);
      const config = join(dir, 'monitor.yaml');
      writeFileSync(
        config,
        `topology: ${topologyFile}
prober: { node: ${mesh.prober} }
probing: { intervalMs: ${INTERVAL_MS}, probesPerRound: 3, probeSpacingMs: 20, timeoutMs: 1000 }
pathBounds: { maxHops: 16, maxPaths: 1000 }
thresholds: { delayMs: 100, lossPct: 50 }
hysteresisRounds: 2
groups: [ { name: soak, endpoints: [${mesh.endpoints.join(', ')}] } ]
storage: { url: "${urlThroughPort(proxy.port)}", schema: ${schema} }
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:${freshdeskPort}", apiKey: { env: PATHMON_SOAK_FD_KEY }, requesterEmail: noc@example.net }
  email: { host: 127.0.0.1, port: ${smtp.port}, tls: none, from: pathmon@example.net, to: [noc@example.net] }
`,
      );
      const dataDir = join(dir, 'data');
      mkdirSync(dataDir);
      const startMonitor = (n: number) =>
        startMonitorProcess({
          namespace: proberNamespace,
          args: [cliPath, 'run', '--config', config, '--data-dir', dataDir, '--listen', `127.0.0.1:${METRICS_PORT}`],
          env: { ...process.env, PATHMON_SOAK_FD_KEY: apiKey },
          cwd: repoRoot,
          logFile: join(dir, `monitor-${n}.log`),
        });
      const readings: { atMs: number; rounds: number }[] = [];
      poller = startMetricsPoller(proberNamespace, readings);

      // Start: wait for the first round to be counted, so the timeline runs on a probing monitor.
      const first = startMonitor(1);
      monitors.push(first);
      const startupDeadline = Date.now() + 180_000;
      while (!readings.some((r) => r.rounds >= 1)) {
        if (!first.running()) throw new Error(`bench.soak: the monitor exited at start: ${first.tail(15).join('\n')}`);
        if (Date.now() > startupDeadline) throw new Error(`bench.soak: no round counted within 180 s of start: ${first.tail(15).join('\n')}`);
        await sleep(250);
      }
      const t0 = Date.now();
      const startupS = round1((t0 - first.startedAtMs) / 1000);
      const planned = first.tail(200).find((line) => /path\(s\) planned/.test(line)) ?? '';
      log(`  started: ${planned.replace(/^.*monitor: /, '')} (first round counted ${startupS} s after spawn)`);

      const rss: RssSample[] = [];
      const sampleRss = () => {
        const current = monitors.at(-1)!;
        const mb = current.rssMb();
        if (mb !== null) rss.push({ atS: Math.round((Date.now() - t0) / 1000), process: monitors.length as 1 | 2, rssMb: mb });
      };
      sampleRss();
      rssTimer = setInterval(sampleRss, RSS_EVERY_MS);
      const events: { atS: number; what: string }[] = [];
      const event = (what: string) => {
        const atS = round1((Date.now() - t0) / 1000);
        events.push({ atS, what });
        log(`  t=${atS}s ${what}`);
      };
      const until = async (fraction: number) => {
        while (Date.now() - t0 < at(fraction)) {
          if (!monitors.at(-1)!.running()) throw new Error(`bench.soak: monitor ${monitors.length} exited unexpectedly: ${monitors.at(-1)!.tail(15).join('\n')}`);
          await sleep(Math.min(1000, at(fraction) - (Date.now() - t0)));
        }
      };
      const impair = (link: [string, string]) => {
        labCli(['lab', 'impair', '--lab', lab, link[0], link[1], '--down']);
        event(`link ${link.join('–')} down (both directions)`);
      };
      const clear = (link: [string, string]) => {
        labCli(['lab', 'impair', '--lab', lab, link[0], link[1], '--clear', '--up']);
        event(`link ${link.join('–')} cleared`);
      };

      await until(0.2);
      impair(LINK_A);
      await until(0.3);
      clear(LINK_A);
      await until(0.4);
      proxy.cut();
      event(`database cut for ${round1(at(0.1) / 1000)} s`);
      impair(LINK_B);
      await until(0.5);
      proxy.restore();
      event('database restored');
      await until(0.6);

      // Kill -9 right after a fresh reading, so the count known for the killed process is at most one
      // reading (1 s) old; the round in flight at the kill is what may be lost.
      const readingsBefore = readings.length;
      while (readings.length === readingsBefore) await sleep(20);
      const killedAfterRounds = readings.at(-1)!.rounds;
      const helpersBefore = first.helpers();
      first.signal('SIGKILL');
      const killAtMs = Date.now();
      event(`kill -9 monitor 1 (pid ${first.pid}) after ${killedAfterRounds} round(s) counted; helpers then: ${helpersBefore.map((h) => `${h.name} ${h.pid}`).join(', ') || 'none'}`);
      await first.exited;
      const second = startMonitor(2);
      monitors.push(second);
      event(`restarted as monitor 2 (pid ${second.pid})`);
      await sleep(2000);
      for (const helper of helpersBefore) if (processName(helper.pid) === helper.name) orphans.push(helper);
      log(`  orphaned helpers 2 s after the kill -9: ${orphans.length === 0 ? 'none' : orphans.map((h) => `${h.name} pid ${h.pid}`).join(', ')}`);
      await until(0.7);
      clear(LINK_B);
      await until(1);
      second.signal('SIGTERM');
      event('SIGTERM monitor 2');
      const timeout = setTimeout(() => second.signal('SIGKILL'), 120_000);
      const secondExit = await second.exited;
      clearTimeout(timeout);
      clearInterval(rssTimer);
      rssTimer = null;
      const secondRounds = second.stoppedAfterRounds() ?? readings.filter((r) => r.atMs > killAtMs).at(-1)?.rounds ?? 0;
      event(`monitor 2 exited ${secondExit} after ${secondRounds} round(s)`);

      // The ledger. Notifications still pending at the end are pending, not lost: the printed outbox
      // states say so.
      const stored = await withSchema(testPgUrl, schema, (client) => roundsStored(client, killAtMs));
      const ledger = await withSchema(testPgUrl, schema, (client) => notificationLedger(client, freshdesk!, smtp!));
      const roundsRun = killedAfterRounds + secondRounds;
      const lostAroundKill = killedAfterRounds - stored.distinctBefore;
      log(
        `  rounds run: ${roundsRun} (monitor 1: ${killedAfterRounds} counted before its kill -9; monitor 2: ${secondRounds}); ` +
          `rounds stored per path over ${stored.paths} paths: min ${stored.min}, median ${stored.median}, max ${stored.max} ` +
          `(${stored.pathsShort} path(s) below the max; ${stored.distinctRounds} distinct round times stored: ${stored.distinctBefore} before the kill, ${stored.distinctAfter} after)`,
      );
      log(
        `  around the kill: ${lostAroundKill} round(s) completed by monitor 1 (counted, handed to its batching writer) but never stored, ` +
          `besides the round in flight at the kill (never counted); expected at most the round in flight: ${lostAroundKill <= 0 ? 'met' : 'MISSED'}; ` +
          `gap in stored round times across the kill and restart ${stored.gapAtSplitMs === null ? '?' : round1(stored.gapAtSplitMs / 1000)} s (the interval is ${INTERVAL_MS / 1000} s)`,
      );
      log(
        `  notifications: ${ledger.changes.total} incident change(s) stored (${ledger.changes.opened} opened, ${ledger.changes.updated} updated, ${ledger.changes.resolved} resolved) over ${ledger.incidents.length} incident(s); ` +
          `due ${ledger.due.mails} mail(s) and ${ledger.due.freshdeskActions} Freshdesk action(s) (superseded outbox rows not due); ` +
          `delivered ${ledger.delivered.mails} mail(s), ${ledger.delivered.tickets} ticket(s), ${ledger.delivered.notes} note(s), ${ledger.delivered.resolves} resolve(s)`,
      );
      log(`  outbox: ${ledger.outbox === null ? 'no outbox table in this store' : JSON.stringify(ledger.outbox)}`);
      log(
        `  tickets per incident: ${ledger.ticketsPerIncident.map((t) => `${t.label} ${t.tickets}`).join(', ') || 'none'}; duplicates ${ledger.duplicateTickets}; ` +
          `tickets the store does not know ${ledger.ticketsUnknownToStore}`,
      );
      const ticketLagS = (id: number, sinceMs: number) => {
        const ticket = freshdesk!.ticket(id);
        return ticket ? round1((ticket.createdAtMs - sinceMs) / 1000) : '?';
      };
      for (const incident of ledger.incidents) {
        log(
          `    incident ${incident.label} (${incident.kind}): opened t=${round1((incident.openedAtMs - t0) / 1000)}s, ` +
            `${incident.resolvedAtMs === null ? 'still open' : `resolved t=${round1((incident.resolvedAtMs - t0) / 1000)}s`}; changes ${JSON.stringify(incident.changes)}; ` +
            `stored ticket(s) ${incident.storedTickets.map((id) => `${id} (created ${ticketLagS(id, incident.openedAtMs)} s after the opening)`).join(', ') || 'none'}`,
        );
      }
      const perProcess = ([1, 2] as const).map((n) => {
        const mine = rss.filter((s) => s.process === n).map((s) => s.rssMb);
        return { process: n, samples: mine.length, minMb: mine.length ? Math.min(...mine) : null, maxMb: mine.length ? Math.max(...mine) : null };
      });
      log(`  RSS every ${RSS_EVERY_MS / 1000} s (t s: MB, process): ${rss.map((s) => `${s.atS}:${s.rssMb}${s.process === 2 ? "'" : ''}`).join(' ')}`);
      log(`  RSS per process: ${perProcess.map((p) => `monitor ${p.process} ${p.minMb}–${p.maxMb} MB over ${p.samples} samples`).join('; ')}`);
      const warnings = monitors.map((m) => m.warnings());
      log(`  monitor warnings/errors: ${warnings.map((w, i) => `monitor ${i + 1}: ${w.count}`).join(', ')}`);
      warnings.forEach((w, i) => w.first.slice(0, 3).forEach((line) => log(`    monitor ${i + 1}: ${line}`)));
      log(`  load at end ${load().join(' ')}`);
      return {
        measured: true,
        minutes,
        intervalMs: INTERVAL_MS,
        plannedLine: planned.replace(/^.*monitor: /, ''),
        startupS,
        events,
        rounds: { run: roundsRun, monitor1Counted: killedAfterRounds, monitor2: secondRounds, stored: { ...stored, perPath: undefined }, lostAroundKill },
        notifications: {
          changes: ledger.changes,
          due: ledger.due,
          delivered: ledger.delivered,
          outbox: ledger.outbox,
          duplicateTickets: ledger.duplicateTickets,
          ticketsUnknownToStore: ledger.ticketsUnknownToStore,
          ticketsPerIncident: ledger.ticketsPerIncident,
          incidents: ledger.incidents.map((i) => ({ ...i, openedAtS: round1((i.openedAtMs - t0) / 1000), resolvedAtS: i.resolvedAtMs === null ? null : round1((i.resolvedAtMs - t0) / 1000) })),
        },
        rss: { everyMs: RSS_EVERY_MS, series: rss, perProcess, peakMb: monitors.map((m) => m.peakRssMb()) },
        orphansAfterKill: orphans,
        monitorExit: secondExit,
        warnings,
      };
    } finally {
      if (rssTimer) clearInterval(rssTimer);
      for (const monitor of monitors) {
        if (monitor.running()) {
          monitor.signal('SIGKILL');
          await monitor.exited;
        }
      }
      // Helpers that outlived a killed monitor are ours to end (by pid, checked by name first).
      for (const helper of orphans) {
        if (processName(helper.pid) === helper.name) {
          try {
            process.kill(helper.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      if (poller && poller.exitCode === null) poller.kill('SIGKILL');
      await bridge?.close().catch(() => undefined);
      await proxy?.close().catch(() => undefined);
      await smtp?.close().catch(() => undefined);
      await freshdesk?.close().catch(() => undefined);
      const down = runCli(['lab', 'down', '--lab', lab], { timeoutMs: 120_000 });
      if (down.status !== 0) log(`  soak: lab down ${lab} exited ${down.status}: ${down.stderr.trim()}`);
      await dropSchema(schema).catch((error: unknown) => log(`  soak: could not drop schema ${schema}: ${(error as Error).message}`));
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
