/**
 * The fleet as its views show it (`pathmon agents`, the agents page, /metrics): every agent with its
 * status by the server's clock, the leases, and how many routes are assigned, moving or unmonitored.
 * The route counts come from the tally kept as work is written (work-tally.ts), never from grouping
 * the routes at each load, so the page costs the same at a hundred thousand routes as at ten; route
 * ids are read only for the unmonitored ones, a page at most.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import { listAgents, type AgentRow } from './agent-registry.js';
import { leases, type LeaseRow } from './fleet-lease.js';
import { routesOfGroups, workGroups, type WorkGroup } from './work-tally.js';

export interface FleetView {
  agents: AgentRow[];
  leases: LeaseRow[];
  /** Per fleet: routes by status, and the ids of unmonitored ones (at most `unmonitoredLimit`). */
  work: { fleet: string; assigned: number; moving: number; unmonitored: number; unmonitoredIds: string[] }[];
}

export async function fleetView(q: SqlQueryable, fleet: string | null = null, unmonitoredLimit = 100): Promise<FleetView> {
  // Each agent's held routes come from the same groups as the counts: one read of the tally.
  const [agents, leaseRows, groups] = await Promise.all([listAgents(q, fleet, false), leases(q, fleet), workGroups(q, fleet)]);
  const held = new Map<string, number>();
  const byFleet = new Map<string, FleetView['work'][number]>();
  for (const g of groups) {
    // Assigned: held with the session its live holder has now, so the holder's id names it.
    if (g.status === 'assigned') held.set(`${g.fleet}\0${g.holder}`, (held.get(`${g.fleet}\0${g.holder}`) ?? 0) + g.routes);
    const entry = byFleet.get(g.fleet) ?? { fleet: g.fleet, assigned: 0, moving: 0, unmonitored: 0, unmonitoredIds: [] };
    byFleet.set(g.fleet, entry);
    entry[g.status] += g.routes;
  }
  for (const agent of agents) agent.heldWork = agent.status === 'up' ? (held.get(`${agent.fleet}\0${agent.agentId}`) ?? 0) : 0;
  await Promise.all(
    [...byFleet.values()].map(async (entry) => {
      const unmonitored: WorkGroup[] = groups.filter((g) => g.fleet === entry.fleet && g.status === 'unmonitored');
      entry.unmonitoredIds = await routesOfGroups(q, entry.fleet, unmonitored, unmonitoredLimit);
    }),
  );
  return { agents, leases: leaseRows, work: [...byFleet.values()].sort((a, b) => a.fleet.localeCompare(b.fleet)) };
}
