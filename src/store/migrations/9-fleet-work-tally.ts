/**
 * Migration 9: the fleet's work counted as it is written, so the agents page, `pathmon agents` and
 * /metrics read a few hundred counts instead of grouping every route of the fleet at each load.
 * Owned by src/fleet/; its queries live in src/fleet/work-tally.ts.
 *
 * fleet_work_tally holds signed counts of live (not gone) routes per fleet, kind (target or not), scope
 * (source node or target group), probe kind and holder (with its session): the sum of a key's rows is
 * how many routes it has now. Statement triggers on fleet_work append one row per key a statement
 * changed, and never update one in place: a hundred agents claiming at once then take no lock on a
 * shared count (a "free routes of group web" row would serialise every claim and release, and two
 * statements of one transaction touching counts in different orders could deadlock). The leader merges
 * the appended rows now and then (fleet_work_tally_compact); a merge deletes only the rows its snapshot
 * sees and inserts their sums, so a concurrent writer's rows are never lost.
 *
 * Agents write fleet_work, not the tally: the trigger function runs as the owner (SECURITY DEFINER,
 * with its search_path pinned to this schema), and agent roles get only SELECT on the tally.
 */
import type { Migration } from '../migrations.js';

const KEY = `fleet, kind = 'target', CASE WHEN kind = 'target' THEN target_group ELSE source_node END, probe_kind, holder, holder_session`;
const COLUMNS = 'fleet, is_target, scope, probe_kind, holder, holder_session';

export const migration9: Migration = {
  version: 9,
  name: 'fleet work counted as it is written (fleet_work_tally)',
  sql: `
    CREATE TABLE fleet_work_tally (
      id             bigserial PRIMARY KEY,
      fleet          text NOT NULL,
      is_target      boolean NOT NULL,
      -- Paths and walks: their source node; targets: their target group.
      scope          text COLLATE "C" NOT NULL,
      probe_kind     text NOT NULL,
      holder         text,
      holder_session uuid,
      routes         integer NOT NULL,
      -- Written by a merge; false for a row a trigger appended since.
      compacted      boolean NOT NULL DEFAULT false
    );
    CREATE INDEX fleet_work_tally_fleet ON fleet_work_tally (fleet);
    CREATE INDEX fleet_work_tally_appended ON fleet_work_tally (fleet) WHERE NOT compacted;

    INSERT INTO fleet_work_tally (${COLUMNS}, routes, compacted)
    SELECT ${KEY}, count(*), true FROM fleet_work WHERE gone_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6;

    CREATE FUNCTION fleet_work_tally_note() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM fleet_work_tally;
      ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO fleet_work_tally (${COLUMNS}, routes)
        SELECT ${KEY}, count(*) FROM added WHERE gone_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6;
      ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO fleet_work_tally (${COLUMNS}, routes)
        SELECT ${COLUMNS}, sum(n) FROM (
          SELECT ${KEY}, 1 AS n FROM added WHERE gone_at IS NULL
          UNION ALL
          SELECT ${KEY}, -1 AS n FROM removed WHERE gone_at IS NULL
        ) AS d (${COLUMNS}, n)
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0;
      ELSE
        INSERT INTO fleet_work_tally (${COLUMNS}, routes)
        SELECT ${KEY}, -count(*) FROM removed WHERE gone_at IS NULL GROUP BY 1, 2, 3, 4, 5, 6;
      END IF;
      RETURN NULL;
    END
    $fn$;
    REVOKE EXECUTE ON FUNCTION fleet_work_tally_note() FROM PUBLIC;

    CREATE TRIGGER fleet_work_tally_insert AFTER INSERT ON fleet_work REFERENCING NEW TABLE AS added
      FOR EACH STATEMENT EXECUTE FUNCTION fleet_work_tally_note();
    CREATE TRIGGER fleet_work_tally_update AFTER UPDATE ON fleet_work REFERENCING OLD TABLE AS removed NEW TABLE AS added
      FOR EACH STATEMENT EXECUTE FUNCTION fleet_work_tally_note();
    CREATE TRIGGER fleet_work_tally_delete AFTER DELETE ON fleet_work REFERENCING OLD TABLE AS removed
      FOR EACH STATEMENT EXECUTE FUNCTION fleet_work_tally_note();
    CREATE TRIGGER fleet_work_tally_truncate AFTER TRUNCATE ON fleet_work
      FOR EACH STATEMENT EXECUTE FUNCTION fleet_work_tally_note();

    -- Merges a fleet's appended rows into one per key; returns the keys left (0 when nothing was appended).
    CREATE FUNCTION fleet_work_tally_compact(p_fleet text) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER AS $fn$
    DECLARE
      kept integer;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM fleet_work_tally WHERE fleet = p_fleet AND NOT compacted) THEN
        RETURN 0;
      END IF;
      WITH merged AS (DELETE FROM fleet_work_tally WHERE fleet = p_fleet RETURNING ${COLUMNS}, routes)
      INSERT INTO fleet_work_tally (${COLUMNS}, routes, compacted)
      SELECT ${COLUMNS}, sum(routes), true FROM merged GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(routes) <> 0;
      GET DIAGNOSTICS kept = ROW_COUNT;
      RETURN kept;
    END
    $fn$;

    DO $do$ BEGIN
      EXECUTE format('ALTER FUNCTION fleet_work_tally_note() SET search_path = %I, pg_temp', current_schema());
      EXECUTE format('ALTER FUNCTION fleet_work_tally_compact(text) SET search_path = %I, pg_temp', current_schema());
    END $do$;

    -- Counts only: every reader of the fleet (an agent role made before this migration too) may read them.
    GRANT SELECT ON fleet_work_tally TO PUBLIC;
  `,
};
