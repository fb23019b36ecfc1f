/**
 * The API behind the agents page: `GET /api/agents?fleet=NAME` reads the fleet from the store's
 * database (every agent with hostname, id, addresses, node, capabilities, version, first seen, last
 * seen and status by the server's clock; the leader; routes assigned, moving and unmonitored), so any
 * agent's dashboard or `pathmon serve` shows the whole fleet. A store without an SQL connection (a test
 * double) answers `available: false` instead of failing.
 */
import { sqlClientOf } from './store-sql-client.js';
import { fleetView } from '../fleet/fleet-view.js';
import { stringParam } from './api-query.js';
import { ApiInputError } from './web-error.js';

export interface AgentsApiContext {
  view: { store: unknown };
  clock: () => number;
}

const FLEET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** `GET /api/agents?fleet=NAME`. */
export async function agentList(context: AgentsApiContext, query: URLSearchParams): Promise<unknown> {
  const fleet = stringParam(query, 'fleet', 64);
  if (fleet !== null && !FLEET_NAME.test(fleet)) {
    throw new ApiInputError('fleet', `api.fleet: "${fleet.slice(0, 64)}" is not a fleet name; expected 1 to 64 letters, digits, "_", "." or "-"`);
  }
  const nowMs = context.clock();
  const client = sqlClientOf(context.view.store);
  if (!client) return { nowMs, available: false, agents: [], leases: [], work: [] };
  return { nowMs, available: true, ...(await fleetView(client, fleet)) };
}
