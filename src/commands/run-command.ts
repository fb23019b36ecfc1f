/**
 * `pathmon run --config FILE`: the long-running monitor. This file only wires the real parts together
 * (topology source, re-planner, store and its batching writer, raw-socket prober, notifiers, the web
 * server) and turns SIGTERM/SIGINT into a graceful stop; the loop itself is monitor/path-monitor.ts.
 *
 * The store is, in order of precedence: `--db URL`, the config's `storage`, or embedded PGlite in
 * `--data-dir` (default ./pathmon-data). Round results that cannot be written while the database is away
 * are spilled under the data directory and written first on the next start.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openProbeReceiver, returnPathProblems, runProbeRound, systemClock } from '../../probes/index.js';
import { loadConfigFile, storeLocationFor, storeSchemaFor } from '../config/index.js';
import { CliError } from '../cli-error.js';
import { openProbeSender } from '../open-probe-sender.js';
import { openTopologySource, Replanner, WalkReplanner, type TopologySource } from '../live/index.js';
import { IncidentEvaluator, LinkEstimateEvaluator, PathMonitor, systemMonitorClock, type MonitorLog } from '../monitor/index.js';
import { buildNotifiers, type Notifier } from '../notify/index.js';
import { redactError, redactSecrets, registerSecretValue } from '../secrets/index.js';
import { openStore, ResultWriter } from '../store/index.js';
import type { Store } from '../store/store.js';
import { startWebServer, type WebServer } from '../web/index.js';

export interface RunOptions {
  config: string;
  db?: string;
  dataDir: string;
  listen?: string;
  /** Stop after this many rounds (demos, tests); run until signalled when absent. */
  rounds?: number;
  waitMs: number;
}

export async function runCommand(options: RunOptions, err: NodeJS.WritableStream): Promise<number> {
  const config = loadConfigFile(options.config);
  const log = stderrLog(err);
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const location = storeLocationFor({ config, db: options.db, dataDir });

  const opened: { close(): unknown }[] = [];
  let source: TopologySource | null = null;
  let store: Store | null = null;
  let notifiers: Notifier[] = [];
  try {
    source = openTopologySource(config.topology, { hosts: config.hosts });
    await source.ready(options.waitMs);
    const schema = storeSchemaFor(config);
    store = await openStore(location, { retention: { retentionDays: config.retentionDays }, ...(schema ? { schema } : {}) });
    log.info(`run: store ${store.description}, topology ${source.status().spec}`);
    notifiers = buildNotifiers({
      ...config.notifiers,
      store,
      log: (level, message) => (level === 'info' ? log.info(message) : log.warn(message)),
    });
    const sender = await openProbeSender('pathmon run', (line) => log.warn(line));
    opened.push(sender);
    // Kernel receive timestamps where the probe-rx helper builds, event-loop time (logged) where not.
    const { receiver, timestamps } = await openProbeReceiver(config.prober.listenAddress, { log: (line) => log.warn(line) });
    opened.push(receiver);
    log.info(`run: receive timestamps from the ${timestamps === 'kernel' ? 'kernel' : 'event loop'}`);
    const writer = new ResultWriter((rows) => store!.insertResults(rows), {
      spillDir: spillDir(dataDir),
      onError: (error) => log.warn(`run: writing round results: ${redactError(error)} (kept, retrying)`),
    });
    const walkPlanner = config.localize.enabled
      ? new WalkReplanner(source, { prober: config.prober.node, coverage: config.localize.coverage, maxHops: config.localize.maxHops })
      : undefined;
    const estimator = walkPlanner ? new LinkEstimateEvaluator(() => walkPlanner.plan()?.groups ?? []) : null;
    const monitor: PathMonitor = new PathMonitor({
      config,
      source,
      planner: new Replanner(source, config.targets),
      ...(walkPlanner && { walkPlanner }),
      evaluators: [
        ...(estimator ? [estimator] : []),
        new IncidentEvaluator({
          graph: () => source!.graph,
          groups: () => walkPlanner?.plan()?.groups ?? [],
          paths: () => monitor.pathStatuses(),
          thresholds: config.linkThresholds,
          hysteresisRounds: config.hysteresisRounds,
        }),
      ],
      store,
      writer,
      runRound: (paths, roundOptions) => runProbeRound({ sender, receiver, clock: systemClock }, paths, roundOptions),
      notifiers,
      clock: systemMonitorClock,
      log,
    });
    await monitor.start();
    for (const address of monitor.probeSourceAddresses()) {
      for (const problem of returnPathProblems(address)) log.warn(`run: ${problem}`);
    }

    let web: WebServer | null = null;
    if (options.listen !== undefined) {
      const token = process.env.PATHMON_WEB_TOKEN ?? null;
      if (token) registerSecretValue(token);
      web = await startWebServer(monitor, { listen: options.listen, token, log: (line) => log.warn(line) });
      log.info(`run: dashboard at ${web.url}`);
    }

    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log.warn(`run: second ${signal}: exiting without waiting`);
        process.exit(130);
      }
      log.info(`run: ${signal}: finishing the round in progress, then flushing and closing`);
      monitor.stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (options.rounds !== undefined) {
      const limit = options.rounds;
      monitor.onUpdate((update) => {
        if (update.kind === 'round' && monitor.counters().rounds >= limit) monitor.stop();
      });
    }
    try {
      await monitor.run();
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      await web?.close().catch((error: unknown) => log.warn(`run: closing the dashboard: ${redactError(error)}`));
      const counters = monitor.counters();
      await monitor.close();
      log.info(`run: stopped after ${counters.rounds} round(s); ${counters.probesSent} probes sent, ${counters.probesReceived} received`);
    }
    store = null;
    source = null;
    notifiers = [];
    return 0;
  } finally {
    for (const handle of opened) handle.close();
    // Only reached with these still set when start-up failed part way.
    for (const notifier of notifiers) await notifier.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await source?.close().catch(() => undefined);
  }
}

function spillDir(dataDir: string): string {
  const dir = join(dataDir, 'spill');
  mkdirSync(dir, { recursive: true });
  return dir;
}


function stderrLog(err: NodeJS.WritableStream): MonitorLog {
  const line = (level: string, text: string) => err.write(`${new Date().toISOString()} ${level} ${redactSecrets(text)}\n`);
  return { info: (text) => line('info', text), warn: (text) => line('warn', text) };
}
