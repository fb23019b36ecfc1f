/** Migration 5: syslog events and raw lines. Owned by src/syslog/; its queries live there. */
import type { Migration } from '../migrations.js';

export const migration5: Migration = {
  version: 5,
  name: 'syslog events and raw lines',
  sql: `
    CREATE TABLE IF NOT EXISTS migration_5_placeholder (id integer);
  `,
};
