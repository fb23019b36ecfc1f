/**
 * The two stores the syslog integration tests run against: PGlite in a temporary directory, and the
 * PostgreSQL server on a schema of its own per run (skipped with a message when the server is away,
 * a failure under CI=true, as test-postgres.ts decides).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type SqlStore } from '../../../src/store/index.js';
import { openTestPgStore, pgSkipReason } from '../../helpers/test-postgres.js';

export interface SyslogBackend {
  name: string;
  skip: () => Promise<string | false>;
  open(): Promise<{ store: SqlStore; dispose(): Promise<void> }>;
}

export const syslogBackends: SyslogBackend[] = [
  {
    name: 'PGlite',
    skip: async () => false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'pathmon-syslog-'));
      const store = await openStore(`pglite:${dir}`);
      return {
        store,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL server',
    skip: () => pgSkipReason(),
    async open() {
      const opened = await openTestPgStore({ schema: undefined });
      return { store: opened.store, dispose: () => opened.dispose() };
    },
  },
];
