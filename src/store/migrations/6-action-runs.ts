/**
 * Migration 6: remediation. Owned by src/remediate/; its queries live there.
 *
 * - action_runs: one row per action a rule set off, QUEUED → RUNNING → SUCCESS / FAILURE / TIMEOUT, with
 *   the action as rendered when it was queued (so a restart runs what was decided, whatever the config
 *   says by then), its bounded output and duration. A run found RUNNING at start is finished as FAILURE
 *   "interrupted by restart": it may have done its work, so it is never run twice.
 * - rule_keys: de-duplication and throttle windows per rule and key, so a restart neither forgets a
 *   window nor lets a flood through.
 * - incident_events: device events attached to an incident, and which ticket note carried them.
 * - isolations: the link isolation workflow's state machine, one row per (rule, incident).
 */
import type { Migration } from '../migrations.js';

export const migration6: Migration = {
  version: 6,
  name: 'remediation action runs, rule windows, incident events, link isolations',
  sql: `
    CREATE TABLE action_runs (
      id             bigserial PRIMARY KEY,
      rule           text NOT NULL,
      action_kind    text NOT NULL,
      action         jsonb NOT NULL,
      fields         jsonb NOT NULL,
      event_id       bigint,
      incident_id    text,
      isolation_id   bigint,
      state          text NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCESS', 'FAILURE', 'TIMEOUT')),
      attempts       integer NOT NULL DEFAULT 0,
      not_before_ms  bigint NOT NULL,
      queued_at_ms   bigint NOT NULL,
      started_at_ms  bigint,
      finished_at_ms bigint,
      duration_ms    double precision,
      exit_code      integer,
      output         text,
      error          text
    );
    -- The pool reads only queued rows; finished ones are history.
    CREATE INDEX action_runs_queued ON action_runs (not_before_ms, id) WHERE state = 'QUEUED';
    CREATE INDEX action_runs_running ON action_runs (id) WHERE state = 'RUNNING';
    CREATE INDEX action_runs_queued_at ON action_runs (queued_at_ms);
    CREATE INDEX action_runs_incident ON action_runs (incident_id) WHERE incident_id IS NOT NULL;
    -- Events attached to an incident wait for one gathering note: at most one such note queued per incident.
    CREATE UNIQUE INDEX action_runs_one_queued_attach_note ON action_runs (incident_id)
      WHERE action_kind = 'attach-note' AND state = 'QUEUED';

    CREATE TABLE rule_keys (
      rule            text NOT NULL,
      kind            text NOT NULL CHECK (kind IN ('dedup', 'throttle')),
      key             text NOT NULL,
      window_start_ms bigint NOT NULL,
      count           integer NOT NULL,
      PRIMARY KEY (rule, kind, key)
    );

    CREATE TABLE incident_events (
      id            bigserial PRIMARY KEY,
      incident_id   text NOT NULL,
      event_id      bigint NOT NULL,
      at_ms         bigint NOT NULL,
      host          text NOT NULL,
      node          text,
      link_key      text,
      link_label    text,
      error_code    text,
      severity      integer,
      program       text,
      message       text NOT NULL,
      noted_run_id  bigint
    );
    CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
    CREATE UNIQUE INDEX incident_events_once ON incident_events (incident_id, event_id) WHERE event_id > 0;

    CREATE TABLE isolations (
      id                 bigserial PRIMARY KEY,
      rule               text NOT NULL,
      incident_id        text NOT NULL,
      subject_key        text NOT NULL,
      label              text NOT NULL,
      link_keys          jsonb NOT NULL,
      fields             jsonb NOT NULL,
      spec               jsonb NOT NULL,
      state              text NOT NULL CHECK (state IN ('isolating', 'ticketing', 'waiting', 'restoring', 'verifying', 'closed', 'failed')),
      ticket_id          bigint,
      isolate_run_id     bigint,
      restore_run_id     bigint,
      next_at_ms         bigint NOT NULL,
      verify_deadline_ms bigint,
      outcome            text,
      created_at_ms      bigint NOT NULL,
      updated_at_ms      bigint NOT NULL,
      history            jsonb NOT NULL DEFAULT '[]'::jsonb,
      UNIQUE (rule, incident_id)
    );
    -- One isolation in progress per link, whichever rule or incident asks for another.
    CREATE UNIQUE INDEX isolations_one_active_per_subject ON isolations (subject_key) WHERE state NOT IN ('closed', 'failed');
  `,
};
