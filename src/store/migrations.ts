/**
 * The schema, as numbered migrations applied in order inside one transaction. `schema_migrations`
 * records what was applied, so reopening is a no-op, and a database migrated by a newer pathmon is
 * refused rather than written with assumptions that no longer hold. A transaction-scoped advisory lock
 * keeps two probers that open the same new database at once from applying a migration twice.
 *
 * Append new migrations at the end; never edit one that has shipped.
 */
import { StoreError } from './store-error.js';
import type { SqlClient } from './sql-client.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const ROLLUP_TIERS_MS = [300_000, 3_600_000] as const;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'paths, rounds, rollups, transitions, tickets, notifications, topology snapshots',
    sql: `
      CREATE TABLE paths (
        id            text PRIMARY KEY,
        grp           text NOT NULL,
        from_node     text NOT NULL,
        to_node       text NOT NULL,
        names         jsonb NOT NULL,
        hops          jsonb NOT NULL,
        hop_names     jsonb NOT NULL,
        link_keys     jsonb NOT NULL,
        first_seen_ms bigint NOT NULL,
        gone_at_ms    bigint
      );

      -- One row per path per round. The key makes a replayed batch (after an outage, or a retry whose
      -- acknowledgement was lost) a no-op instead of a duplicate.
      CREATE TABLE round_results (
        path_id     text NOT NULL,
        round_at_ms bigint NOT NULL,
        sent        integer NOT NULL,
        received    integer NOT NULL,
        loss_pct    double precision NOT NULL,
        rtt_min_ms  double precision,
        rtt_avg_ms  double precision,
        rtt_max_ms  double precision,
        rtt_p50_ms  double precision,
        rtt_p95_ms  double precision,
        rtt_p99_ms  double precision,
        jitter_ms   double precision,
        PRIMARY KEY (path_id, round_at_ms)
      );
      -- Rows arrive roughly in time order, so a BRIN index serves the rollup and retention range scans
      -- for almost nothing on the insert path.
      CREATE INDEX round_results_at_brin ON round_results USING brin (round_at_ms);

      CREATE TABLE rollups (
        tier_ms    integer NOT NULL,
        path_id    text NOT NULL,
        bucket_ms  bigint NOT NULL,
        rounds     integer NOT NULL,
        sent       bigint NOT NULL,
        received   bigint NOT NULL,
        rtt_min_ms double precision,
        rtt_p50_ms double precision,
        rtt_p95_ms double precision,
        rtt_p99_ms double precision,
        rtt_max_ms double precision,
        PRIMARY KEY (tier_ms, path_id, bucket_ms)
      );

      -- tier_ms 0 is the raw rounds. rolled_until_ms: every bucket before it has been rolled up (rows
      -- written later for an earlier time lower it again). kept_since_ms: data before it was deleted.
      CREATE TABLE rollup_state (
        tier_ms         integer PRIMARY KEY,
        rolled_until_ms bigint NOT NULL,
        kept_since_ms   bigint NOT NULL
      );
      INSERT INTO rollup_state VALUES (0, 0, 0), (${ROLLUP_TIERS_MS[0]}, 0, 0), (${ROLLUP_TIERS_MS[1]}, 0, 0);

      CREATE TABLE transitions (
        id         bigserial PRIMARY KEY,
        path_id    text NOT NULL,
        at_ms      bigint NOT NULL,
        from_state text,
        to_state   text NOT NULL,
        reason     text NOT NULL,
        evidence   jsonb NOT NULL
      );
      CREATE INDEX transitions_path_at ON transitions (path_id, at_ms);
      CREATE INDEX transitions_at ON transitions (at_ms);

      CREATE TABLE tickets (
        ticket_id      bigint PRIMARY KEY,
        path_id        text NOT NULL,
        opened_at_ms   bigint NOT NULL,
        last_state     text NOT NULL,
        resolved_at_ms bigint
      );
      -- At most one open ticket per path, whoever (which prober, which restart) tries to open another.
      CREATE UNIQUE INDEX tickets_one_open_per_path ON tickets (path_id) WHERE resolved_at_ms IS NULL;

      CREATE TABLE notifications (
        id       bigserial PRIMARY KEY,
        at_ms    bigint NOT NULL,
        channel  text NOT NULL,
        path_ids jsonb NOT NULL,
        status   text NOT NULL,
        detail   text NOT NULL
      );
      CREATE INDEX notifications_at ON notifications (at_ms);

      CREATE TABLE topology_snapshots (
        id         bigserial PRIMARY KEY,
        at_ms      bigint NOT NULL,
        source     text NOT NULL,
        node_count integer NOT NULL,
        link_count integer NOT NULL,
        graph      jsonb NOT NULL
      );
      CREATE INDEX topology_snapshots_at ON topology_snapshots (at_ms);
    `,
  },
  {
    version: 2,
    name: 'byte-order (C) collation for path ids in rounds and rollups',
    // Path ids are digests compared only for equality and grouping; the database's default collation
    // makes every index comparison a locale compare. "C" compares bytes: measurably faster writes.
    sql: `
      ALTER TABLE round_results ALTER COLUMN path_id TYPE text COLLATE "C";
      ALTER TABLE rollups ALTER COLUMN path_id TYPE text COLLATE "C";
    `,
  },
];

export const latestSchemaVersion = migrations[migrations.length - 1]!.version;

/** Applies pending migrations; returns the schema version now in place. */
export async function migrate(client: SqlClient, location: string, list: readonly Migration[] = migrations): Promise<number> {
  const latest = list[list.length - 1]?.version ?? 0;
  return client.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.pathmon_migrations'))`);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = rows[0]?.v == null ? 0 : Number(rows[0].v);
    if (current > latest) {
      throw new StoreError('schema-too-new', location,
        `store.migrate: database ${location} has schema version ${current}, newer than this pathmon's ${latest}; ` +
        'expected a version this pathmon knows: upgrade pathmon or use another database/schema');
    }
    for (const migration of list) {
      if (migration.version <= current) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    return Math.max(current, latest);
  });
}
