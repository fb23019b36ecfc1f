/**
 * The fleet's Prometheus families, read from the database at scrape time, so every agent's /metrics
 * (and `pathmon serve`'s) shows the whole fleet: `pathmon_agent_up{fleet,agent,hostname,node}` (1 up,
 * 0 expired or stopped), seconds since each agent's last report and its clock skew, by the server's
 * clock; routes each agent holds; the fleet's routes by status; and who leads. One fleetView query per
 * scrape, shared by the families.
 */
import type { Registry } from 'prom-client';
import type { SqlQueryable } from '../store/sql-client.js';
import { fleetView, type FleetView } from './fleet-view.js';

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Registers the fleet families; `client()` null (no server store) exports none of their samples. */
export function registerAgentMetrics(registry: Registry, client: () => SqlQueryable | null, fleet: string | null = null): void {
  let pending: { at: number; view: Promise<FleetView | null> } | null = null;
  // The families are collected one after another in one scrape: one query serves them all.
  const view = (): Promise<FleetView | null> => {
    const now = Date.now();
    if (!pending || now - pending.at > 1000) {
      const q = client();
      pending = { at: now, view: q ? fleetView(q, fleet, 0).catch(() => null) : Promise.resolve(null) };
    }
    return pending.view;
  };
  const family = (name: string, help: string, samples: (v: FleetView) => Sample[]): void => {
    registry.registerMetric({
      name,
      help,
      type: 'gauge',
      aggregator: 'sum',
      get: async () => {
        const v = await view();
        return { name, help, type: 'gauge', aggregator: 'sum', values: v ? samples(v) : [] };
      },
      reset: () => undefined,
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  };
  const agentLabels = (a: FleetView['agents'][number]) => ({ fleet: a.fleet, agent: a.agentId, hostname: a.hostname, node: a.node ?? '' });
  family('pathmon_agent_up', "Whether the fleet agent reported within its hold time (1) or is expired or stopped (0), by the database server's clock.", (v) =>
    v.agents.map((a) => ({ labels: agentLabels(a), value: a.status === 'up' ? 1 : 0 })),
  );
  family('pathmon_agent_last_report_age_seconds', "Seconds since the agent's last report, by the database server's clock.", (v) =>
    v.agents.map((a) => ({ labels: agentLabels(a), value: a.silentForMs / 1000 })),
  );
  family('pathmon_agent_clock_skew_seconds', "The agent's clock minus the database server's at its last report.", (v) =>
    v.agents.map((a) => ({ labels: agentLabels(a), value: a.clockSkewMs / 1000 })),
  );
  family('pathmon_agent_routes', 'Routes (paths, cover walks, targets) the agent holds now.', (v) => v.agents.map((a) => ({ labels: agentLabels(a), value: a.heldWork })));
  family('pathmon_fleet_routes', "The fleet's routes by status: assigned (a live agent holds it), moving (free, a live agent can take it), unmonitored (no live agent can run it).", (v) =>
    v.work.flatMap((w) => (['assigned', 'moving', 'unmonitored'] as const).map((status) => ({ labels: { fleet: w.fleet, status }, value: w[status] }))),
  );
  family('pathmon_fleet_leader', "The agent holding the fleet's leader lease (1), with the lease epoch as a label.", (v) =>
    v.leases.filter((l) => l.name === 'leader' && l.live).map((l) => ({ labels: { fleet: l.fleet, agent: l.holder, epoch: String(l.epoch) }, value: 1 })),
  );
}
