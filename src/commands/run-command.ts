/**
 * `pathmon run --config FILE`: the long-running monitor. This file only wires the real parts together
 * (topology source, re-planner, store and its batching writer, raw-socket prober, notifiers, the web
 * server) and turns SIGTERM/SIGINT into a graceful stop; the loop itself is monitor/path-monitor.ts.
 *
 * The store is, in order of precedence: `--db URL`, the config's `storage`, or embedded PGlite in
 * `--data-dir` (default ./pathmon-data). Round results that cannot be written while the database is away
 * are spilled under the data directory and written first on the next start. If they can be neither
 * written nor spilled (a full disk), every round logs an error, and a run that ends still holding such
 * rows, or having dropped any, exits 1.
 *
 * The order is cheapest check first, so a mistake costs seconds, not a store migration: the config, the
 * `--listen` address and token, and the data directory are checked before anything is opened; the
 * prober node is looked up as soon as the topology is loaded; the plan (at least one path or cover walk)
 * and the probes' source addresses (on a local interface, unless `--allow-foreign-source`) are checked
 * before any socket is opened. A run that would monitor nothing, or probe from the wrong host, refuses
 * with the reason and exit status 1 instead of running quietly.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRoundRunner, openProbeReceiver, returnPathProblems, systemClock, type ProbeRoundRunner } from '../../probes/index.js';
import { loadConfigFile, storeLocationFor, storeSchemaFor } from '../config/index.js';
import { CliError } from '../cli-error.js';
import { openProbeSender } from '../open-probe-sender.js';
import { openTopologySource, Replanner, WalkReplanner, type TopologySource } from '../live/index.js';
import { IncidentEvaluator, LinkEstimateEvaluator, PathMonitor, systemMonitorClock } from '../monitor/index.js';
import { buildNotifiers, type Notifier } from '../notify/index.js';
import { redactError, registerSecretValue } from '../secrets/index.js';
import { processLogger } from '../log/index.js';
import { makeDirectory, openStore, ResultWriter, type ResultWriterView } from '../store/index.js';
import { startSyslog } from '../syslog/index.js';
import { startRemediation } from '../remediate/index.js';
import type { SqlStore } from '../store/sql-store.js';
import { FleetEvaluator, FleetOutcomeExchange, followLeadership, routeWorkItems, startFleetAgent, type FleetHandle } from '../fleet/index.js';
import type { Store } from '../store/store.js';
import type { MonitorView } from '../monitor/monitor-view.js';
import { isLoopbackHost, MIN_TOKEN_CHARS, parseListen, startWebServer, WebError, type WebServer } from '../web/index.js';
import { foreignAddresses } from '../local-addresses.js';
import type { ProbeReceiver, ProbeSender } from '../../probes/index.js';
import { openTargetProber } from '../../probes/index.js';
import { ProberTargetRounds, targetGroupsForRun, targetRoutes } from '../targets/index.js';

export interface RunOptions {
  config: string;
  db?: string;
  dataDir: string;
  listen?: string;
  /** Stop after this many rounds (demos, tests); run until signalled when absent. */
  rounds?: number;
  waitMs: number;
  /** Probe even when the probes' source address is on no local interface (see local-addresses.ts). */
  allowForeignSource?: boolean;
  /** `--targets FILE`, repeatable: target groups (the telemetry seed's targets.yaml, or pathmon's list) beside the config's. */
  targets?: string[];
}

/** A MonitorView that also shows the result writer's health (for /api/status and /metrics). */
export type MonitorViewWithWriter = MonitorView & Required<ResultWriterView>;

export async function runCommand(options: RunOptions, err: NodeJS.WritableStream): Promise<number> {
  // Lines go to the process logger (stderr, as --log-level/--log-format say), not to `err`.
  const log = processLogger().child({ component: 'run' });
  // Cheap checks: nothing is opened, started or created until these pass.
  const config = loadConfigFile(options.config, { targetsElsewhere: (options.targets ?? []).length > 0 });
  const targetGroups = targetGroupsForRun(config, options.targets ?? []);
  const webToken = checkedListen(options.listen);
  const dataDir = checkedDataDir(options.dataDir);
  const spill = spillDir(dataDir);
  const location = storeLocationFor({ config, db: options.db, dataDir });

  const opened: { close(): unknown }[] = [];
  let source: TopologySource | null = null;
  let store: Store | null = null;
  let notifiers: Notifier[] = [];
  try {
    source = openTopologySource(config.topology, { hosts: config.hosts, log: (message) => log.child({ component: 'exabgp' }).warn(message) });
    await source.ready(options.waitMs);
    checkProberKnown(source, config.prober.node);
    const schema = storeSchemaFor(config);
    store = await openStore(location, { retention: { retentionDays: config.retentionDays }, ...(schema ? { schema } : {}) });
    log.info(`run: store ${store.description}, topology ${source.status().spec}`);
    notifiers = buildNotifiers({
      ...config.notifiers,
      store,
      log: (level, message) => log.child({ component: 'notify' })[level](message),
    });
    // Sockets are opened only once the plan is known to be worth probing (below); the round runner
    // reaches them through these.
    let sender: ProbeSender | null = null;
    let receiver: ProbeReceiver | null = null;
    const writer = new ResultWriter((rows) => store!.insertResults(rows), {
      spillDir: spill,
      onError: (error) => log.warn(`run: writing round results: ${redactError(error)} (kept, retrying)`),
      // Said every round while it lasts: these rows are lost if the process ends.
      onSpillError: (error) => log.error(`run: round results not saved: ${error.message}`),
    });
    const walkPlanner = config.localize.enabled
      ? new WalkReplanner(source, { prober: config.prober.node, coverage: config.localize.coverage, separation: config.localize.separation, maxHops: config.localize.maxHops })
      : undefined;
    let runner: ProbeRoundRunner | null = null;
    const targetRounds =
      targetGroups.length > 0 ? new ProberTargetRounds(targetRoutes(targetGroups, { probing: config.probing, thresholds: config.thresholds, from: config.prober.node }), openTargetProber) : null;
    // Fleet mode: probe only the routes this agent holds; notify only while it leads (set once it joined).
    let fleetHandle: FleetHandle | null = null;
    let exchange: FleetOutcomeExchange | null = null;
    const incidentOptions = {
      graph: () => source!.graph,
      groups: () => walkPlanner?.plan()?.groups ?? [],
      paths: () => monitor.pathStatuses(),
      thresholds: config.linkThresholds,
      hysteresisRounds: config.hysteresisRounds,
    };
    // Alone: link estimation and incidents over this prober's rounds. In a fleet: one evaluator over the
    // whole fleet's latest rounds, deciding incidents only on the leader.
    const fleetEvaluator = config.fleet
      ? new FleetEvaluator({
          ...incidentOptions,
          leads: () => fleetHandle?.isLeader() ?? false,
          peers: () => exchange?.peers() ?? [],
          holds: (routeId) => fleetHandle?.isAssigned(routeId) ?? false,
          localize: walkPlanner !== undefined,
        })
      : null;
    const estimator = walkPlanner && !fleetEvaluator ? new LinkEstimateEvaluator(() => walkPlanner.plan()?.groups ?? []) : null;
    const monitor: PathMonitor = new PathMonitor({
      config,
      source,
      ...(config.fleet && {
        assignment: { isAssigned: (routeId: string) => fleetHandle?.isAssigned(routeId) ?? false },
        leads: () => fleetHandle?.isLeader() ?? false,
      }),
      planner: new Replanner(source, config.targets),
      // ICMP/TCP/UDP targets; their sockets open below, with the GRE ones.
      ...(targetRounds && { targetRounds }),
      ...(walkPlanner && { walkPlanner }),
      evaluators: fleetEvaluator ? [fleetEvaluator] : [...(estimator ? [estimator] : []), new IncidentEvaluator(incidentOptions)],
      store,
      writer,
      // One runner for the monitor's life, so each route's probe template is built once, not every round
      // (made on the first round: the sockets open after the plan is checked).
      runRound: (paths, roundOptions) => (runner ??= createRoundRunner({ sender: sender!, receiver: receiver!, clock: systemClock }))(paths, roundOptions),
      notifiers,
      clock: systemMonitorClock,
      log: log.child({ component: 'monitor' }),
    });
    // From here the monitor owns the store, the source and the notifiers: a start-up failure closes it
    // (which closes them) before the error is passed on.
    const closingFirst = async (error: unknown): Promise<never> => {
      await monitor.close();
      store = null;
      source = null;
      notifiers = [];
      throw error;
    };
    await monitor.start();
    const refusal = planRefusal(monitor, config.prober.node, options.allowForeignSource === true);
    if (refusal.warning) log.warn(refusal.warning);
    if (refusal.reason) await closingFirst(new CliError(refusal.reason));
    for (const address of monitor.probeSourceAddresses()) {
      for (const problem of returnPathProblems(address)) log.warn(`run: ${problem}`);
    }

    // Kernel receive timestamps where the probe-rx helper builds, event-loop time (logged) where not.
    // The receiver first: a listen address that cannot be bound fails before the raw socket is made.
    const opening = await openProbeReceiver(config.prober.listenAddress, { log: (line) => log.warn(line) }).catch(closingFirst);
    receiver = opening.receiver;
    opened.push(receiver);
    log.info(`run: receive timestamps from the ${opening.timestamps === 'kernel' ? 'kernel' : 'event loop'}`);
    sender = await openProbeSender('pathmon run', (line) => log.warn(line)).catch(closingFirst);
    opened.push(sender);
    // The ICMP/TCP/UDP sockets (closed by monitor.close()): a missing privilege is said now, not each round.
    if (targetRounds) await targetRounds.open().catch(closingFirst);

    // Device logs go to the same store; the receiver is closed before the monitor closes it (below).
    const syslog = config.syslog && store ? await startSyslog(config.syslog, { store, log: (line) => log.warn(line) }).catch(closingFirst) : null;
    if (syslog) {
      opened.push(syslog);
      log.info(
        `run: syslog receiver on ${Object.entries(syslog.ports)
          .filter(([, port]) => port !== null)
          .map(([kind, port]) => `${kind} port ${port}`)
          .join(', ')}`,
      );
    }

    // Rules on device events and incident changes: the bounded action pool and the link isolation workflow.
    const remediation =
      config.remediation && store
        ? await startRemediation({
            config: config.remediation,
            notifiers: config.notifiers,
            client: (store as SqlStore).sqlClient,
            graph: () => source!.graph,
            openIncidents: () => monitor.incidents(),
            ...(syslog && { onEvent: (listener) => syslog.onEvent(listener) }),
            onRoundOutcome: (listener) => monitor.onRoundOutcome(listener),
            // In a fleet only the leader acts on events and incidents (the fleet joins below; read late).
            ...(config.fleet && { leads: () => fleetHandle?.isLeader() ?? false }),
            log: (level, line) => log.child({ component: 'remediation' })[level](line),
          }).catch(closingFirst)
        : null;

    // One agent of a fleet (config `fleet:`, PostgreSQL store only): registers, shares the work, may lead.
    // Refusals (duplicate agent id, schema newer than this pathmon, PGlite) stop the run here.
    const fleet =
      config.fleet && store
        ? await startFleetAgent({
            fleet: config.fleet,
            proberNode: config.prober.node,
            targetGroups: config.targetGroups.map((group) => group.name),
            store,
            kernelTimestamps: opening.timestamps === 'kernel',
            work: () =>
              routeWorkItems(
                {
                  paths: monitor
                    .paths()
                    .filter((path) => path.state !== 'GONE')
                    .map((path) => ({ id: path.record.id, group: path.record.group })),
                  walks: walkPlanner?.plan()?.walks ?? [],
                },
                config.fleet!.node ?? config.prober.node,
                config.targetGroups,
              ),
            log: log.child({ component: 'fleet' }),
          }).catch(closingFirst)
        : null;
    let following: { stop(): void } | null = null;
    if (fleet && config.fleet && fleetEvaluator && store) {
      fleetHandle = fleet;
      const shared = store as SqlStore;
      const fleetLog = log.child({ component: 'fleet' });
      const rounds = new FleetOutcomeExchange({ client: shared.sqlClient, fleet: config.fleet.name, agentId: fleet.agentId, intervalMs: config.probing.intervalMs, log: fleetLog });
      exchange = rounds;
      // Every round goes to the fleet (the leader evaluates them all); the others' come back for the next round.
      monitor.onRoundOutcome((outcome, findings) => {
        rounds.afterRound({ outcome, transitions: findings.transitions, paths: monitor.pathStatuses().filter((status) => fleet.isAssigned(status.record.id)) });
        // A follower decides no incident: its dashboard shows the ones the leader keeps open. (A database
        // outage is said by the exchange and the writer; the view keeps what it had.)
        if (!fleet.isLeader()) {
          void shared.openIncidents().then(
            (open) => {
              if (!fleet.isLeader()) monitor.resumeIncidents(open);
            },
            () => undefined,
          );
        }
      });
      fleet.onLeadershipChange((leader) => {
        log.info(`run: fleet: this agent ${leader ? 'leads the fleet: it evaluates incidents, sends tickets and mail' : 'no longer leads the fleet'}`);
      });
      // The leader resumes the open incidents (the previous leader's) before it evaluates or delivers.
      following = followLeadership({
        fleet,
        evaluator: fleetEvaluator,
        refreshPeers: () => rounds.refresh(),
        openIncidents: () => shared.openIncidents(),
        resumeIncidents: (open) => monitor.resumeIncidents(open),
        deliver: () => monitor.deliverAsLeader(),
        log: fleetLog,
      });
    }

    let web: WebServer | null = null;
    if (options.listen !== undefined) {
      const view: MonitorViewWithWriter = viewWithWriter(monitor, writer);
      web = await startWebServer(view, {
        listen: options.listen,
        token: webToken,
        log: (line) => log.warn(line),
        metrics: { ...config.metrics, ...(fleet && config.fleet && { fleet: { name: config.fleet.name, client: () => (store as SqlStore | null)?.sqlClient ?? null } }) },
      }).catch(closingFirst);
      log.info(`run: ready: dashboard, API and /metrics listening on ${web.url}`);
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
      await syslog?.close().catch((error: unknown) => log.warn(`run: closing the syslog receiver: ${redactError(error)}`));
      // Before the monitor closes the store: runs still going after the grace stay RUNNING and are marked interrupted next start.
      await remediation?.close().catch((error: unknown) => log.warn(`run: closing remediation: ${redactError(error)}`));
      // Before the monitor closes the store: the fleet hears this agent stopped and moves its work at once.
      following?.stop();
      await exchange?.close();
      await fleet?.close();
      const counters = monitor.counters();
      await monitor.close();
      log.info(`run: stopped after ${counters.rounds} round(s); ${counters.probesSent} probes sent, ${counters.probesReceived} received`);
    }
    store = null;
    source = null;
    notifiers = [];
    // The writer is closed by monitor.close(); what it could not save decides the exit status.
    const saved = writer.stats();
    if (saved.unsaved > 0 || saved.dropped > 0) {
      log.error(
        `run: exiting with ${saved.unsaved} round result row(s) neither written nor spilled and ${saved.dropped} dropped` +
          ` (database: ${saved.lastError ?? 'ok'}; spill directory: ${saved.lastSpillError ?? 'ok'}); expected every round stored or spilled`,
      );
      return 1;
    }
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
  makeDirectory(dir, `the spill directory ${dir}`, 'run');
  return dir;
}

/**
 * `--listen` and the dashboard token, checked as startWebServer will check them, so a refusal comes
 * before the store is opened and paths are planned. Returns the token (null when none is set).
 */
function checkedListen(listen: string | undefined): string | null {
  const token = process.env.PATHMON_WEB_TOKEN || null;
  if (listen === undefined) return null;
  const { host, port } = parseListen(listen);
  if (token) {
    registerSecretValue(token);
    if (token.length < MIN_TOKEN_CHARS || /\s/.test(token)) {
      throw new WebError(
        'weak-token',
        `pathmon run: $PATHMON_WEB_TOKEN has ${token.length} characters${/\s/.test(token) ? ' and contains whitespace' : ''}; expected at least ${MIN_TOKEN_CHARS} characters without whitespace (e.g. \`openssl rand -hex 24\`)`,
      );
    }
  } else if (!isLoopbackHost(host)) {
    throw new WebError(
      'token-required',
      `pathmon run: --listen ${listen} is beyond localhost, so the dashboard, API and /metrics would be open to the network; expected $PATHMON_WEB_TOKEN (at least ${MIN_TOKEN_CHARS} characters) or a loopback address such as 127.0.0.1:${port}`,
    );
  }
  return token;
}

/** The data directory, absolute, created if missing; a clear error (no stack) when it cannot be one. */
function checkedDataDir(dataDir: string): string {
  const dir = resolve(dataDir);
  let kind: 'directory' | 'other' | 'missing' = 'missing';
  try {
    kind = statSync(dir).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') kind = 'other';
    else if (code !== 'ENOENT') throw new CliError(`pathmon run: --data-dir ${dir}: ${(error as Error).message}; expected a directory pathmon can read and write`);
  }
  if (kind === 'other') {
    throw new CliError(
      `pathmon run: --data-dir ${dir} is not a directory (a regular file, or under one); expected a directory for PGlite data and the spill of unwritten results, or a path where one can be created`,
    );
  }
  // Not Node's recursive mkdir: on /proc/nope it loops between ENOENT and EEXIST for ever.
  if (kind === 'missing') makeDirectory(dir, `--data-dir ${dir}`, 'run');
  return dir;
}

/** The prober must be a node of the loaded topology (by id, name or router-id, as paths are planned). */
function checkProberKnown(source: TopologySource, prober: string): void {
  try {
    source.graph.resolveNode(prober);
  } catch (error) {
    throw new CliError(`pathmon run: the prober node "${prober}" (config prober.node) is not in the topology ${source.status().spec}: ${(error as Error).message}; nothing could be probed from it`);
  }
}

/**
 * Why the first plan is not worth running: nothing to probe (every target has a problem and there is no
 * cover walk), or probes that would leave from an address this host does not have.
 */
function planRefusal(monitor: PathMonitor, prober: string, allowForeignSource: boolean): { reason?: string; warning?: string } {
  const counts = monitor.probedCounts();
  if (counts.paths === 0 && counts.walks === 0 && counts.targets === 0) {
    return {
      reason: `pathmon run: nothing to monitor: 0 paths, 0 cover walks and 0 ICMP/TCP/UDP targets planned from prober "${prober}" (the reasons per target are logged above); expected at least one target with a path within its bounds`,
    };
  }
  const foreign = foreignAddresses(monitor.probeSourceAddresses());
  if (foreign.length === 0) return {};
  const what = `the prober's source address${foreign.length > 1 ? 'es' : ''} ${foreign.join(', ')} (node "${prober}") ${foreign.length > 1 ? 'are' : 'is'} on no interface of this host, so probes would leave by this host's own routes, from the wrong place`;
  if (allowForeignSource) return { warning: `run: ${what}; probing anyway (--allow-foreign-source)` };
  return { reason: `pathmon run: ${what}; expected to run on the prober (e.g. \`pathmon lab exec ${prober} -- pathmon run ...\`), or --allow-foreign-source if the address is routed here on purpose` };
}

function viewWithWriter(monitor: PathMonitor, writer: ResultWriter): MonitorViewWithWriter {
  return {
    paths: () => monitor.paths(),
    topology: () => monitor.topology(),
    counters: () => monitor.counters(),
    incidents: () => monitor.incidents(),
    links: () => monitor.links(),
    plan: () => monitor.plan(),
    get store() {
      return monitor.store;
    },
    onUpdate: (listener) => monitor.onUpdate(listener),
    resultWriter: () => writer.stats(),
  };
}
