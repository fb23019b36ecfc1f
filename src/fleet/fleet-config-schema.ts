/**
 * The `fleet:` section: the fleet this prober registers in, on the PostgreSQL server it shares. Only a
 * name is required; every timing has a default fitted to a 10 s probing round. The database password is
 * not here: the agent logs in through `storage:` (`url` with its own role, `password: { env | file }`),
 * so a secret has one place in the config. `role` is what that login is expected to be, checked at
 * registration so an agent started with the wrong credentials says so instead of running as someone else.
 */
import { z } from 'zod';

const EXPECT_NAME = 'expected a name of 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const name = z.string({ error: EXPECT_NAME }).regex(NAME, EXPECT_NAME);

const EXPECT_ROLE = 'expected a PostgreSQL role name: 1 to 63 lower-case letters, digits or "_", starting with a letter';
export const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function milliseconds(min: number, max: number) {
  const text = `expected a whole number of milliseconds from ${min} to ${max}`;
  return z.number({ error: text }).int(text).min(min, text).max(max, text);
}

export const defaultFleet = {
  /** Heartbeats (and work-lease renewals) this often. */
  reportIntervalMs: 10_000,
  /** Not heard from for this long: expired, its work moves. Three missed reports by default. */
  holdTimeMs: 30_000,
  /** A clock further than this from the database's draws a warning (the fleet never uses agent clocks). */
  maxClockSkewMs: 5_000,
} as const;

export const fleetConfigSchema = z
  .strictObject(
    {
      /** The fleet's name: agents of one name share work; several fleets may share a schema. */
      name,
      /** Overrides the machine id (/etc/machine-id) as this agent's id: for two agents on one host, or containers. */
      agentId: name.optional(),
      /** The topology node this agent stands on (default: `prober.node`): paths from that node are its work. */
      node: z.string({ error: 'expected a node name, id or router-id from the topology' }).min(1, 'expected a node name, id or router-id from the topology').optional(),
      holdTimeMs: milliseconds(1_000, 3_600_000).optional(),
      reportIntervalMs: milliseconds(200, 600_000).optional(),
      maxClockSkewMs: milliseconds(0, 3_600_000).optional(),
      /** The database role this agent logs in as (see `pathmon fleet create-role`); checked against the login. */
      role: z.string({ error: EXPECT_ROLE }).regex(ROLE_NAME, EXPECT_ROLE).optional(),
      /** Target groups (`targets:`) this agent probes its share of; default: every group in its config. */
      targetGroups: z.array(name).optional(),
    },
    { error: 'expected a mapping { name, agentId?, node?, holdTimeMs?, reportIntervalMs?, maxClockSkewMs?, role?, targetGroups? }' },
  )
  .refine((fleet) => (fleet.reportIntervalMs ?? defaultFleet.reportIntervalMs) * 2 <= (fleet.holdTimeMs ?? defaultFleet.holdTimeMs), {
    message: 'holdTimeMs must be at least twice reportIntervalMs (one lost heartbeat must not expire an agent); expected e.g. reportIntervalMs 10000 with holdTimeMs 30000',
    path: ['holdTimeMs'],
  });

export type FleetConfig = z.output<typeof fleetConfigSchema>;
