/**
 * In-process agents for the fleet tests: each with its own connection pool to one per-run schema on the
 * PostgreSQL server, a made-up identity standing on its own node, three paths and a cover walk from that
 * node, and the shared targets of group `web`. Logs are kept so tests can check warnings.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { FleetAgent, type FleetAgentOptions, type AgentIdentity, type WorkItem } from '../../../src/fleet/index.js';
import { latestSchemaVersion, openStore, type SqlStore } from '../../../src/store/index.js';
import type { SqlClient, SqlQueryable, SqlRows } from '../../../src/store/sql-client.js';
import { testPgUrl } from '../../helpers/test-postgres.js';

export const HOLD_MS = 1500;
export const REPORT_MS = 300;
export const TARGETS = Array.from({ length: 12 }, (_, i) => `target-web-${i}`);

export function identity(agentId: string, hostname = `host-${agentId}`): AgentIdentity {
  return {
    agentId,
    hostname,
    interfaces: [{ name: 'eth0', addresses: [`10.0.0.${agentId.length}/24`, 'fd00::1/64'], mac: '02:00:00:00:00:01', internal: false }],
    capabilities: { rawSockets: true, kernelTimestamps: true, probeKinds: ['gre', 'icmp', 'tcp', 'udp'] },
  };
}

export function nodeWork(node: string): WorkItem[] {
  return [
    ...[1, 2, 3].map((i): WorkItem => ({ routeId: `path-${node}-${i}`, kind: 'path', sourceNode: node, targetGroup: null, probeKind: 'gre' })),
    { routeId: `walk-${node}-1`, kind: 'walk', sourceNode: node, targetGroup: null, probeKind: 'gre' },
    ...TARGETS.map((routeId): WorkItem => ({ routeId, kind: 'target', sourceNode: null, targetGroup: 'web', probeKind: 'tcp' })),
  ];
}

export interface Logged {
  lines: string[];
  log: FleetAgentOptions['log'];
}

export function logged(): Logged {
  const lines: string[] = [];
  return { lines, log: { info: (l) => lines.push(`info ${l}`), warn: (l) => lines.push(`warn ${l}`), error: (l) => lines.push(`error ${l}`) } };
}

export interface TestAgent {
  agent: FleetAgent;
  store: SqlStore;
  logs: Logged;
}

export async function openAgent(schema: string, fleet: string, agentId: string, node: string, extra: Partial<FleetAgentOptions> = {}): Promise<TestAgent> {
  const store = await openStore(testPgUrl, { schema });
  const logs = logged();
  const agent = new FleetAgent({
    client: store.sqlClient,
    fleet,
    identity: identity(agentId),
    node,
    targetGroups: ['web'],
    version: '0.1.0-test',
    schemaVersion: latestSchemaVersion,
    holdTimeMs: HOLD_MS,
    reportIntervalMs: REPORT_MS,
    maxClockSkewMs: 5_000,
    work: () => nodeWork(node),
    log: logs.log,
    ...extra,
  });
  return { agent, store, logs };
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`waitFor: ${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function uniqueRoleName(): string {
  return `pm_agent_${process.pid.toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** A SqlClient logged in as `role` (no schema creation, which an agent role may not do). */
export function roleClient(role: string, schema: string): SqlClient {
  const url = new URL(testPgUrl);
  url.username = role;
  url.password = '';
  const pool = new pg.Pool({ connectionString: url.href, options: `-c search_path=${schema}`, max: 2 });
  pool.on('error', () => undefined);
  const queryable = (q: pg.Pool | pg.PoolClient): SqlQueryable => ({
    async query<T>(sql: string, params: unknown[] = []): Promise<SqlRows<T>> {
      const result = await q.query(sql, params);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string) {
      await q.query(sql);
    },
  });
  return {
    kind: 'postgres',
    ...queryable(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: testPgUrl });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}
