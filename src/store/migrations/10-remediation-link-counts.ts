/**
 * Migration 10: remediation's per-link event counts and the lookups of the action runs page. Owned by
 * src/remediate/; its queries live there.
 *
 * - rule_link_counts: for a rule with `threshold` (N matching device events on one link within W ms),
 *   the times of the recent matching events per physical link. Kept in the store, not in memory, so a
 *   restart or a new fleet leader goes on counting where the last one stopped. Rows are reset by
 *   UPDATE, never deleted: a fleet agent's role has no DELETE on remediation tables.
 * - action_runs_event: the events page shows each event's runs, looked up by event id.
 * - action_runs_rule: the runs page filters by rule, newest first.
 */
import type { Migration } from '../migrations.js';

export const migration10: Migration = {
  version: 10,
  name: 'remediation link event counts, action run lookups',
  sql: `
    CREATE TABLE rule_link_counts (
      rule        text NOT NULL,
      subject_key text NOT NULL,
      times_ms    bigint[] NOT NULL DEFAULT '{}',
      updated_ms  bigint NOT NULL,
      PRIMARY KEY (rule, subject_key)
    );
    CREATE INDEX action_runs_event ON action_runs (event_id) WHERE event_id IS NOT NULL;
    CREATE INDEX action_runs_rule ON action_runs (rule, id);
  `,
};
