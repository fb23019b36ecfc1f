/**
 * Migration 5: syslog events, with the raw line of each, and counters per sending address. Owned by
 * src/syslog/; its queries live there (event-queries.ts).
 *
 * One table holds parsed and unparsed lines alike (parsed = false marks the latter, and a partial index
 * lists them), because a line that does not parse is still evidence and is shown, filtered and counted
 * beside the rest. Rows arrive in time order at up to tens of thousands a second, so time is a BRIN
 * index (almost free on insert) and the listing pages by id; the btree indexes are the filters the
 * events page and `pathmon events` offer.
 */
import type { Migration } from '../migrations.js';

export const migration5: Migration = {
  version: 5,
  name: 'syslog events and raw lines',
  sql: `
    CREATE TABLE syslog_events (
      id              bigserial PRIMARY KEY,
      received_at_ms  bigint NOT NULL,
      device_time_ms  bigint,
      source_address  text NOT NULL,
      transport       text NOT NULL CHECK (transport IN ('udp', 'tcp', 'tls')),
      host            text NOT NULL,
      facility        smallint,
      severity        smallint,
      program         text,
      error_code      text,
      message         text NOT NULL,
      structured_data jsonb NOT NULL DEFAULT '{}'::jsonb,
      facts           jsonb NOT NULL DEFAULT '{}'::jsonb,
      parsed          boolean NOT NULL,
      truncated       boolean NOT NULL DEFAULT false,
      invalid_utf8    boolean NOT NULL DEFAULT false,
      raw             text NOT NULL,
      status          text NOT NULL DEFAULT 'NEW',
      node            text,
      link_key        text,
      incident_id     text
    );
    CREATE INDEX syslog_events_received_brin ON syslog_events USING brin (received_at_ms);
    CREATE INDEX syslog_events_host ON syslog_events (host, id);
    CREATE INDEX syslog_events_code ON syslog_events (error_code, id) WHERE error_code IS NOT NULL;
    CREATE INDEX syslog_events_unparsed ON syslog_events (id) WHERE NOT parsed;
    CREATE INDEX syslog_events_incident ON syslog_events (incident_id) WHERE incident_id IS NOT NULL;
    -- Events a rule engine still has to look at or is running: few at any time.
    CREATE INDEX syslog_events_pending ON syslog_events (id) WHERE status IN ('NEW', 'QUEUED', 'RUNNING');

    -- Totals per sending address since the store was created, added to after each stored batch.
    CREATE TABLE syslog_senders (
      source_address text PRIMARY KEY,
      host           text NOT NULL,
      first_seen_ms  bigint NOT NULL,
      last_seen_ms   bigint NOT NULL,
      received       bigint NOT NULL DEFAULT 0,
      stored         bigint NOT NULL DEFAULT 0,
      unparsed       bigint NOT NULL DEFAULT 0,
      truncated      bigint NOT NULL DEFAULT 0,
      invalid_utf8   bigint NOT NULL DEFAULT 0,
      suppressed     bigint NOT NULL DEFAULT 0,
      dropped        bigint NOT NULL DEFAULT 0
    );
  `,
};
