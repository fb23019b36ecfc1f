/**
 * What `pathmon run` calls when the config has `fleet:`: checks the store is a PostgreSQL server (the
 * fleet's only coordination point; an embedded PGlite is private to one process), reads who this host
 * is, registers and makes the first report, then returns the handle the monitor and the notifier
 * dispatch are wired to. Refusals (duplicate id, schema too old, wrong role, PGlite) come out of this
 * call as FleetError before anything is probed.
 */
import { pathmonVersion } from '../metrics/build-info.js';
import { latestSchemaVersion } from '../store/migrations.js';
import type { SqlClient } from '../store/sql-client.js';
import { hostIdentity, type AgentIdentity } from './agent-identity.js';
import { defaultFleet, type FleetConfig } from './fleet-config-schema.js';
import { FleetAgent, type FleetClock, type FleetLog, type FleetStatus } from './fleet-agent.js';
import { FleetError } from './fleet-error.js';
import type { WorkItem } from './work-assignment.js';

/** What the monitor and the notifier dispatch see of the fleet. */
export interface FleetHandle {
  readonly agentId: string;
  /** Route ids this agent should probe now. */
  assignedWork(): string[];
  /** The monitor's filter: probe (and evaluate) a route only while this is true. */
  isAssigned(routeId: string): boolean;
  /** Routes of the fleet no live agent can run: shown as unmonitored, never DOWN, no ticket. */
  unmonitored(): Promise<string[]>;
  isLeader(): boolean;
  /** Called with true/false when this process gains/loses the leader lease; returns the unsubscribe. */
  onLeadershipChange(listener: (leader: boolean) => void): () => void;
  onAssignmentChange(listener: (held: readonly string[]) => void): () => void;
  status(): FleetStatus;
  /** Leaves the fleet cleanly (listed as stopped; its work moves at once). Never throws. */
  close(): Promise<void>;
}

export interface StartFleetAgentOptions {
  fleet: FleetConfig;
  /** `prober.node`: where the agent stands unless fleet.node says otherwise. */
  proberNode: string;
  /** Names of the config's target groups (`targets:`); fleet.targetGroups narrows them. */
  targetGroups: readonly string[];
  /** The opened store: a SqlStore on a PostgreSQL server (backend 'postgres', with its sqlClient). */
  store: { description: string; backend?: 'pglite' | 'postgres'; sqlClient?: SqlClient };
  /** The routes of this agent's plan now (see routeWorkItems). */
  work: () => readonly WorkItem[];
  log: FleetLog;
  /** Known after the probe receiver is open; null until then. */
  kernelTimestamps?: boolean | null;
  /** Tests: who this agent is, instead of reading the host. */
  identity?: AgentIdentity;
  /** Tests: an older pathmon. */
  schemaVersion?: number;
  version?: string;
  clock?: FleetClock;
}

export async function startFleetAgent(options: StartFleetAgentOptions): Promise<FleetHandle> {
  const { fleet } = options;
  const client = options.store.backend === 'postgres' ? options.store.sqlClient : undefined;
  if (client === undefined) {
    throw new FleetError(
      'not-a-server',
      `fleet.startFleetAgent: fleet ${fleet.name} needs a PostgreSQL server, but the store is ${options.store.description} (embedded PGlite, private to this process); ` +
        'expected storage.url (or --db) postgres://ROLE@HOST/DB shared by every agent, or no fleet: section for a single prober',
    );
  }
  const unknownGroups = (fleet.targetGroups ?? []).filter((group) => !options.targetGroups.includes(group));
  if (unknownGroups.length > 0) {
    throw new FleetError(
      'bad-value',
      `fleet.startFleetAgent: fleet.targetGroups names ${unknownGroups.join(', ')}, not in targets: (${options.targetGroups.join(', ') || 'none'}); expected names of target groups in this config`,
    );
  }
  const agent = new FleetAgent({
    client,
    fleet: fleet.name,
    identity: options.identity ?? hostIdentity({ agentId: fleet.agentId, kernelTimestamps: options.kernelTimestamps ?? null }),
    node: fleet.node ?? options.proberNode,
    targetGroups: fleet.targetGroups ?? options.targetGroups,
    version: options.version ?? pathmonVersion(),
    schemaVersion: options.schemaVersion ?? latestSchemaVersion,
    holdTimeMs: fleet.holdTimeMs ?? defaultFleet.holdTimeMs,
    reportIntervalMs: fleet.reportIntervalMs ?? defaultFleet.reportIntervalMs,
    maxClockSkewMs: fleet.maxClockSkewMs ?? defaultFleet.maxClockSkewMs,
    role: fleet.role,
    work: options.work,
    log: options.log,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  try {
    await agent.start();
  } catch (error) {
    agent.stopTimers();
    throw error;
  }
  return agent;
}
