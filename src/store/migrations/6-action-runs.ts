/** Migration 6: remediation action runs. Owned by src/remediate/; its queries live there. */
import type { Migration } from '../migrations.js';

export const migration6: Migration = {
  version: 6,
  name: 'remediation action runs',
  sql: `
    CREATE TABLE IF NOT EXISTS migration_6_placeholder (id integer);
  `,
};
