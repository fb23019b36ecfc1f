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
import { migration5 } from './migrations/5-syslog-events.js';
import { migration6 } from './migrations/6-action-runs.js';
import { migration7 } from './migrations/7-fleet-agents.js';
import { migration8 } from './migrations/8-fleet-round-outcomes.js';
import { migration9 } from './migrations/9-fleet-work-tally.js';
import { migration10 } from './migrations/10-remediation-link-counts.js';

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
  {
    version: 3,
    name: 'walks, incidents and their changes, link estimates; tickets and notifications keyed by incident subject',
    // Walk rounds share round_results (route id = walk id): one writer, one replay rule. Incidents keep
    // their whole record as jsonb (the application reads it back as is) beside the columns queries
    // filter on. Tickets and notifications now name an incident subject (`path:<id>`, `link:<keys>`,
    // `group:<id>`); rows written before are path subjects, rewritten so the ticket a path had open
    // before the upgrade is still the one its incident notes and resolves.
    sql: `
      CREATE TABLE walks (
        id            text PRIMARY KEY,
        names         jsonb NOT NULL,
        link_keys     jsonb NOT NULL,
        first_seen_ms bigint NOT NULL,
        gone_at_ms    bigint
      );

      CREATE TABLE incidents (
        id             text PRIMARY KEY,
        subject_key    text NOT NULL,
        kind           text NOT NULL,
        state          text NOT NULL,
        opened_at_ms   bigint NOT NULL,
        updated_at_ms  bigint NOT NULL,
        resolved_at_ms bigint,
        record         jsonb NOT NULL
      );
      -- At most one open incident per subject, whoever (which prober, which restart) opens another.
      CREATE UNIQUE INDEX incidents_one_open_per_subject ON incidents (subject_key) WHERE state = 'open';
      CREATE INDEX incidents_opened_at ON incidents (opened_at_ms);

      CREATE TABLE incident_changes (
        id          bigserial PRIMARY KEY,
        incident_id text NOT NULL,
        at_ms       bigint NOT NULL,
        change      text NOT NULL,
        reason      text NOT NULL,
        record      jsonb NOT NULL,
        previous    jsonb
      );
      CREATE INDEX incident_changes_incident ON incident_changes (incident_id, id);

      -- Only non-zero estimates are written, one row per subject per round; like round_results the
      -- key makes a replay a no-op, the keys are compared as bytes, and time scans use a BRIN index.
      CREATE TABLE link_estimates (
        subject_key    text COLLATE "C" NOT NULL,
        at_ms          bigint NOT NULL,
        loss_ratio     double precision NOT NULL,
        added_delay_ms double precision NOT NULL,
        down           boolean NOT NULL,
        confidence     double precision NOT NULL,
        support        integer NOT NULL,
        PRIMARY KEY (subject_key, at_ms)
      );
      CREATE INDEX link_estimates_at_brin ON link_estimates USING brin (at_ms);

      DROP INDEX tickets_one_open_per_path;
      ALTER TABLE tickets RENAME COLUMN path_id TO subject_key;
      ALTER TABLE tickets ADD COLUMN incident_id text;
      UPDATE tickets SET subject_key = 'path:' || subject_key, incident_id = 'path:' || subject_key || ':' || opened_at_ms;
      ALTER TABLE tickets ALTER COLUMN incident_id SET NOT NULL;
      CREATE UNIQUE INDEX tickets_one_open_per_subject ON tickets (subject_key) WHERE resolved_at_ms IS NULL;

      ALTER TABLE notifications RENAME COLUMN path_ids TO subject_keys;
      UPDATE notifications SET subject_keys = (
        SELECT COALESCE(jsonb_agg('path:' || k ORDER BY i), '[]'::jsonb)
          FROM jsonb_array_elements_text(notifications.subject_keys) WITH ORDINALITY AS x(k, i));
    `,
  },
  {
    version: 4,
    name: 'durable notification outbox; tickets closed by a person',
    sql: `
      -- One row per notification due, written in the transaction of the incident change causing it,
      -- so a crash or kill -9 loses none; the dispatcher delivers pending rows oldest first per subject.
      CREATE TABLE outbox (
        id                 bigserial PRIMARY KEY,
        channel            text NOT NULL,
        subject_key        text NOT NULL,
        incident_id        text NOT NULL,
        change             jsonb NOT NULL,
        created_at_ms      bigint NOT NULL,
        attempts           integer NOT NULL DEFAULT 0,
        next_attempt_at_ms bigint NOT NULL,
        state              text NOT NULL DEFAULT 'pending'
                           CHECK (state IN ('pending', 'delivered', 'failed', 'superseded')),
        last_error         text,
        delivered_at_ms    bigint,
        detail             text
      );
      -- The dispatcher reads only pending rows; finished ones are history until retention.
      CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
      CREATE INDEX outbox_incident ON outbox (incident_id, channel);
      CREATE INDEX outbox_created_at ON outbox (created_at_ms);

      -- An agent resolved or closed the ticket: pathmon leaves it alone and opens a new one next time.
      ALTER TABLE tickets ADD COLUMN closed_by_person boolean NOT NULL DEFAULT false;
    `,
  },
  migration5,
  migration6,
  migration7,
  migration8,
  migration9,
  migration10,
];

export const latestSchemaVersion = migrations[migrations.length - 1]!.version;

/** Applies pending migrations; returns the schema version now in place. */
export async function migrate(client: SqlClient, location: string, list: readonly Migration[] = migrations): Promise<number> {
  const latest = list[list.length - 1]?.version ?? 0;
  return client.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.pathmon_migrations'))`);
    // Only when missing: a fleet agent's role reads the table but may not create tables.
    const { rows: table } = await tx.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
    if (table[0]?.t == null) {
      await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    }
    const { rows } = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = rows[0]?.v == null ? 0 : Number(rows[0].v);
    if (current > latest) {
      throw new StoreError(
        'schema-too-new',
        location,
        `store.migrate: database ${location} has schema version ${current}, newer than this pathmon's ${latest}; ` +
          'expected a version this pathmon knows: upgrade pathmon or use another database/schema',
      );
    }
    for (const migration of list) {
      if (migration.version <= current) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    return Math.max(current, latest);
  });
}
