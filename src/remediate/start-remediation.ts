/**
 * The one call `pathmon run` makes: checks the rules against the configured channels, builds the
 * Freshdesk client and mail transport remediation uses (its own, from the same config sections as the
 * notifiers), starts the pool (finishing runs a previous process left RUNNING) and the isolation
 * workflow, and subscribes to device events and to the monitor's rounds (incident changes, and the
 * link health the isolation workflow re-verifies with).
 *
 * In a fleet (`leads` given) every agent starts it, but only the leader acts: it takes the device
 * events any agent stored (StoredEventFeed), handles incident changes, claims runs and steps
 * isolations; a follower's receiver only stores. Without `leads` (a lone pathmon) events come straight
 * from this process's receiver, as they always did.
 */
import type { TopologyGraph } from '../../topology/index.js';
import { ConfigError } from '../config/config-error.js';
import type { IncidentChange, IncidentRecord } from '../incidents/incident.js';
import type { RoundFindings } from '../monitor/round-evaluator.js';
import type { RoundOutcome } from '../monitor/round-outcome.js';
import { freshdeskBaseUrl } from '../notify/build-notifiers.js';
import type { EmailConfig, FreshdeskConfig } from '../notify/config-schema.js';
import { FreshdeskClient } from '../notify/freshdesk-client.js';
import { smtpTransport, type MailTransport } from '../notify/smtp-transport.js';
import { resolveSecret, type SecretSources } from '../secrets/resolve-secret.js';
import type { SqlClient } from '../store/sql-client.js';
import type { SyslogEvent } from '../syslog/syslog-event.js';
import { ActionPool, type PoolStats } from './action-pool.js';
import { EventCorrelator } from './event-correlator.js';
import { IsolationWorkflow } from './isolation-workflow.js';
import { LinkHealth, type LinkHealthy } from './link-health.js';
import type { RemediationConfig } from './remediation-config-schema.js';
import { RemediationEngine, type EngineStats, type EventOutcome } from './remediation-engine.js';
import { runExecutor } from './run-executor.js';
import { StoredEventFeed } from './stored-event-feed.js';
import type { FreshdeskCalls, TicketSettings } from './ticket-actions.js';

type Unsubscribe = () => void;

export interface StartRemediationOptions {
  config: RemediationConfig;
  /** The notifier sections: remediation tickets, notes and mails use the same accounts. */
  notifiers: { freshdesk?: FreshdeskConfig | undefined; email?: EmailConfig | undefined };
  client: SqlClient;
  graph: () => TopologyGraph;
  /** Open incidents as the monitor has them now (PathMonitor.incidents). */
  openIncidents: () => readonly IncidentRecord[];
  /** The syslog receiver's subscription (onEvent of src/syslog/start-syslog.ts); absent: incidents only. */
  onEvent?: (listener: (event: SyslogEvent) => void) => Unsubscribe;
  /** PathMonitor.onRoundOutcome: incident changes and the link health the isolation workflow verifies with. */
  onRoundOutcome?: (listener: (outcome: RoundOutcome, findings: RoundFindings) => void) => Unsubscribe;
  /** Replaces the round-fed link health (tests, or another source of evidence). */
  linkHealthy?: LinkHealthy;
  /** Replace the clients built from `notifiers` (tests). */
  freshdesk?: FreshdeskCalls;
  mailTransport?: MailTransport;
  secrets?: SecretSources;
  log?: (level: 'info' | 'warn', line: string) => void;
  nowMs?: () => number;
  /** Isolation workflow timings (tests). */
  isolationTiming?: { tickMs?: number; verifyCheckMs?: number; retryMs?: number };
  /** The pool's longest idle sleep (tests). */
  idlePollMs?: number;
  /**
   * Fleet mode: whether this agent leads the fleet now (FleetHandle.isLeader). Only then does it take
   * stored events, handle incident changes, run actions and step isolations. Absent: always (alone).
   */
  leads?: () => boolean;
  /** Fleet mode: how often the store is looked at for events other agents stored (default 1 s). */
  eventPollMs?: number;
}

export interface Remediation {
  handleEvent(event: SyslogEvent): Promise<EventOutcome | null>;
  handleIncidentChange(change: IncidentChange): Promise<number | null>;
  readonly pool: ActionPool;
  readonly isolations: IsolationWorkflow;
  /** Null when `linkHealthy` was given. */
  readonly linkHealth: LinkHealth | null;
  stats(): { engine: EngineStats; pool: PoolStats };
  /**
   * Fleet mode: handles the stored NEW events now if this agent leads; resolves to how many it took.
   * Alone it resolves to 0 (events come from the receiver).
   */
  drainStoredEvents(): Promise<number>;
  /** Unsubscribes, stops claiming, waits up to `graceMs` for runs in progress. */
  close(graceMs?: number): Promise<void>;
}

/**
 * What the rules ask of channels that are not configured, e.g. a note without `notifiers.freshdesk`:
 * one line each, naming the rule, the action and the missing section.
 */
export function remediationConfigProblems(config: RemediationConfig, notifiers: StartRemediationOptions['notifiers']): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const check = (path: string, type: string) => {
    if ((type === 'note' || type === 'ticket') && notifiers.freshdesk === undefined) {
      problems.push({ path, message: `${path}: a ${type} action needs notifiers.freshdesk; it is not set` });
    }
    if (type === 'mail' && notifiers.email === undefined) {
      problems.push({ path, message: `${path}: a mail action needs notifiers.email; it is not set` });
    }
  };
  config.rules.forEach((rule, r) => {
    rule.actions.forEach((action, a) => check(`remediation.rules[${r}] (${rule.name}).actions[${a}]`, action.type));
    if (rule.isolate !== undefined && notifiers.freshdesk === undefined) {
      problems.push({
        path: `remediation.rules[${r}].isolate`,
        message: `remediation.rules[${r}] (${rule.name}).isolate: the isolation workflow tickets the data-center team and needs notifiers.freshdesk; it is not set`,
      });
    }
  });
  config.default?.actions.forEach((action, a) => check(`remediation.default.actions[${a}]`, action.type));
  return problems;
}

export async function startRemediation(options: StartRemediationOptions): Promise<Remediation> {
  const { config, notifiers } = options;
  const problems = remediationConfigProblems(config, notifiers);
  if (problems.length > 0) {
    throw new ConfigError(`remediation: ${problems.map((p) => p.message).join('; ')}`, problems[0]!.path, problems[0]!.path);
  }
  const log = options.log ?? (() => undefined);
  const nowMs = options.nowMs ?? Date.now;
  const fdConfig = notifiers.freshdesk;
  let freshdesk: TicketSettings | null = null;
  if (fdConfig !== undefined) {
    const client =
      options.freshdesk ??
      new FreshdeskClient({
        baseUrl: freshdeskBaseUrl(fdConfig),
        apiKey: resolveSecret(fdConfig.apiKey, 'the Freshdesk API key (freshdesk.apiKey)', options.secrets),
        timeoutMs: fdConfig.timeoutMs,
        maxRetries: fdConfig.maxRetries,
        maxRetryAfterMs: fdConfig.maxRetryAfterMs,
      });
    freshdesk = {
      client,
      requesterEmail: fdConfig.requesterEmail,
      source: fdConfig.source,
      privateNotes: fdConfig.privateNotes,
      tags: fdConfig.tags,
      ...(fdConfig.groupId !== undefined && { groupId: fdConfig.groupId }),
    };
  }
  const mailConfig = notifiers.email;
  const mail =
    mailConfig === undefined
      ? null
      : {
          transport:
            options.mailTransport ?? smtpTransport(mailConfig, mailConfig.password === undefined ? null : resolveSecret(mailConfig.password, 'the SMTP password (email.password)', options.secrets)),
          from: mailConfig.from,
          to: mailConfig.to,
          subjectPrefix: mailConfig.subjectPrefix,
        };

  const linkHealth = options.linkHealthy === undefined ? new LinkHealth({ openIncidents: options.openIncidents() }) : null;
  const linkHealthy: LinkHealthy = options.linkHealthy ?? ((keys) => linkHealth!.healthy(keys));
  let isolations: IsolationWorkflow | null = null;
  const pool = new ActionPool({
    client: options.client,
    workers: config.workers,
    execute: runExecutor({ q: options.client, maxOutputBytes: config.maxOutputBytes, freshdesk, mail, nowMs }),
    nowMs,
    log,
    onFinished: (run) => isolations?.onRunFinished(run),
    ...(options.idlePollMs !== undefined && { idlePollMs: options.idlePollMs }),
    ...(options.leads !== undefined && { leads: options.leads }),
  });
  isolations = new IsolationWorkflow({
    client: options.client,
    freshdesk,
    linkHealthy,
    kickPool: () => pool.kick(),
    nowMs,
    log,
    ...options.isolationTiming,
    ...(options.leads !== undefined && { leads: options.leads }),
  });
  const engine = new RemediationEngine({
    client: options.client,
    config,
    correlator: new EventCorrelator({ graph: options.graph, openIncidents: options.openIncidents, interfaces: config.interfaces }),
    isolations,
    kickPool: () => pool.kick(),
    noteAttachedEvents: freshdesk !== null,
    nowMs,
    log,
  });

  await pool.start();
  isolations.start();
  const leads = options.leads;
  const started = isolations;
  const feed =
    leads === undefined
      ? null
      : new StoredEventFeed({
          engine,
          leads,
          onLeading: () => {
            pool.kick();
            void started.tick();
          },
          nowMs,
          log,
          ...(options.eventPollMs !== undefined && { pollMs: options.eventPollMs }),
        });
  feed?.start();
  const unsubscribe: Unsubscribe[] = [];
  if (options.onEvent) unsubscribe.push(options.onEvent(feed === null ? (event) => void engine.handleEvent(event) : () => feed.kick()));
  if (options.onRoundOutcome) {
    unsubscribe.push(
      options.onRoundOutcome((outcome, findings) => {
        linkHealth?.observe(outcome, findings);
        if (leads !== undefined && !leads()) return;
        for (const change of findings.incidentChanges) void engine.handleIncidentChange(change);
      }),
    );
  }
  return {
    handleEvent: (event) => engine.handleEvent(event),
    handleIncidentChange: (change) => engine.handleIncidentChange(change),
    pool,
    isolations: started,
    linkHealth,
    stats: () => ({ engine: engine.stats(), pool: pool.stats() }),
    drainStoredEvents: () => feed?.drain() ?? Promise.resolve(0),
    async close(graceMs = 10_000) {
      for (const off of unsubscribe) off();
      feed?.close();
      started.close();
      await pool.close(graceMs);
      mail?.transport.close();
    },
  };
}
