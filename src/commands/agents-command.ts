/**
 * `pathmon agents [--json]`: the fleet's agents from the store (hostname, id, addresses, node,
 * capabilities, version, first seen, last seen, status, routes held), the leader, and the routes no
 * live agent can run. `pathmon fleet create-role NAME`: the database role one agent logs in as
 * (`--print` shows the SQL instead of running it). Both read the store as `report` does.
 */
import { CliError } from '../cli-error.js';
import { resolve } from 'node:path';
import { loadConfigFile, storeLocationFor, storeSchemaFor } from '../config/index.js';
import { agentRoleScript, createAgentRole, FleetError, fleetView, type AgentRow, type FleetView } from '../fleet/index.js';
import { toSafeJson } from '../secrets/index.js';
import { DEFAULT_SCHEMA, openStore } from '../store/index.js';
import { textTable } from '../report/text-table.js';
import { openReportStore, type StoreOptions } from './report-command.js';

export interface AgentsOptions extends StoreOptions {
  json?: boolean;
  fleet?: string;
}

export async function agentsCommand(options: AgentsOptions, out: NodeJS.WritableStream, nowMs = Date.now()): Promise<number> {
  const store = await openReportStore(options);
  try {
    const view = await fleetView(store.sqlClient, options.fleet ?? null);
    if (options.json) {
      out.write(`${toSafeJson({ store: store.description, ...view }, 2)}\n`);
      return 0;
    }
    if (view.agents.length === 0) {
      out.write(`no fleet agents in ${store.description}${options.fleet ? ` for fleet ${options.fleet}` : ''}; agents register when \`pathmon run\` has a fleet: section and a PostgreSQL store\n`);
      return 0;
    }
    out.write(agentsText(view, nowMs));
    return 0;
  } finally {
    await store.close();
  }
}

function agentsText(view: FleetView, nowMs: number): string {
  const time = (ms: number) =>
    new Date(ms)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z');
  const lines: string[] = [];
  for (const fleet of [...new Set(view.agents.map((a) => a.fleet))]) {
    const agents = view.agents.filter((a) => a.fleet === fleet);
    const leader = view.leases.find((l) => l.fleet === fleet && l.name === 'leader' && l.live);
    const work = view.work.find((w) => w.fleet === fleet);
    lines.push(
      `fleet ${fleet}: ${agents.filter((a) => a.status === 'up').length} of ${agents.length} agent(s) up, leader ${leader ? `${leader.holder} (epoch ${leader.epoch})` : 'none'}` +
        (work ? `; routes: ${work.assigned} assigned, ${work.moving} moving, ${work.unmonitored} unmonitored` : ''),
    );
    lines.push(
      textTable(
        ['hostname', 'agent id', 'addresses', 'node', 'capabilities', 'version', 'first seen', 'last seen', 'status', 'routes'],
        agents.map((a) => [
          a.hostname,
          a.agentId,
          addresses(a),
          a.node ?? '-',
          capabilities(a),
          a.version,
          time(a.firstSeenMs),
          `${time(a.lastSeenMs)} (${ago(a.silentForMs)})`,
          statusText(a),
          a.heldWork,
        ]),
      ),
    );
    if (work && work.unmonitored > 0) {
      lines.push(
        `unmonitored (no live agent can run them; never DOWN, no ticket): ${work.unmonitoredIds.join(' ')}${work.unmonitored > work.unmonitoredIds.length ? ` and ${work.unmonitored - work.unmonitoredIds.length} more` : ''}`,
      );
    }
    lines.push('');
  }
  void nowMs;
  return `${lines.join('\n')}`;
}

function addresses(a: AgentRow): string {
  return (
    a.interfaces
      .filter((i) => !i.internal && i.addresses.length > 0)
      .map((i) => `${i.name} ${i.addresses.join(' ')}`)
      .join('; ') || '-'
  );
}

function capabilities(a: AgentRow): string {
  const c = a.capabilities;
  return [c.probeKinds.join('/'), c.rawSockets ? 'raw' : 'no-raw', c.kernelTimestamps === true ? 'kernel-ts' : c.kernelTimestamps === false ? 'loop-ts' : null].filter(Boolean).join(' ');
}

function statusText(a: AgentRow): string {
  if (a.status === 'expired') return `EXPIRED (silent > ${a.holdTimeMs / 1000}s)`;
  if (a.status === 'stopped') return 'stopped';
  return Math.abs(a.clockSkewMs) > 5000 ? `up, clock ${(a.clockSkewMs / 1000).toFixed(0)}s off` : 'up';
}

function ago(ms: number): string {
  if (ms < 1000) return 'just now';
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

export interface CreateRoleOptions extends StoreOptions {
  schema?: string;
  /** The name of an environment variable holding the role's password (never the password itself). */
  passwordEnv?: string;
  print?: boolean;
}

export async function fleetCreateRoleCommand(role: string, options: CreateRoleOptions, out: NodeJS.WritableStream): Promise<number> {
  const config = options.config === undefined ? null : loadConfigFile(options.config);
  const schema = options.schema ?? storeSchemaFor(config) ?? DEFAULT_SCHEMA;
  try {
    if (options.print) {
      out.write(agentRoleScript(role, schema));
      return 0;
    }
    let password: string | undefined;
    if (options.passwordEnv !== undefined) {
      password = process.env[options.passwordEnv];
      if (!password) throw new CliError(`pathmon fleet create-role: $${options.passwordEnv} is empty or unset; expected the new role's password in it`);
    }
    const store = await openStore(storeLocationFor({ config, db: options.db, dataDir: resolve(options.dataDir) }), { mode: 'read', schema });
    try {
      if (store.backend !== 'postgres') throw new CliError(`pathmon fleet create-role: ${store.description} is embedded PGlite, which has no roles; expected --db postgres://ADMIN@HOST/DB`);
      await createAgentRole(store.sqlClient, role, store.schema, password);
      out.write(`role ${role} can now run a fleet agent on ${store.description}, schema ${store.schema}: set storage.url to postgres://${role}@HOST/DB and fleet.role: ${role}\n`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    if (error instanceof FleetError) throw new CliError(`pathmon fleet create-role: ${error.message}`);
    throw error;
  }
}
