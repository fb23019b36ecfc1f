/**
 * The two backends the one storage suite runs against, behind one shape: open a fresh store, make the
 * database unreachable and reachable again, dispose. The server goes through the TCP cut proxy, so
 * "unreachable" is a real broken connection. PGlite runs in-process and cannot lose its connection;
 * for it, the writer's sink is gated instead, failing the way a lost connection fails.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, StoreError, type OpenStoreOptions, type ResultSink, type SqlStore } from '../../../src/store/index.js';
import { startCutProxy, type CutProxy } from '../../helpers/tcp-cut-proxy.js';
import { dropSchema, pgSkipReason, testPgUrl, uniqueSchemaName, urlThroughPort } from '../../helpers/test-postgres.js';

export interface OpenedStore {
  store: SqlStore;
  /** The location string it was opened with (reopen with it). */
  location: string;
  schema: string;
  /** Where the writer should send rows: store.insertResults, through the cut when there is one. */
  sink: ResultSink;
  cut(): void;
  restore(): void;
  dispose(): Promise<void>;
}

export interface Backend {
  name: string;
  skip: string | false;
  open(options?: OpenStoreOptions): Promise<OpenedStore>;
}

/**
 * A new PGlite data directory runs initdb, which takes seconds on a busy machine; one empty
 * (initdb-only) directory is made per test process and copied for each store instead.
 */
let template: Promise<string> | null = null;
const templateDir = (): Promise<string> => {
  template ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathmon-pglite-template-'));
    const db = new PGlite(dir);
    await db.waitReady;
    await db.close();
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return template;
};

const pglite: Backend = {
  name: 'PGlite',
  skip: false,
  async open(options = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'pathmon-store-'));
    cpSync(await templateDir(), dir, { recursive: true });
    const schema = options.schema ?? 'pathmon';
    const location = `pglite:${dir}`;
    const store = await openStore(location, { ...options, schema });
    let isCut = false;
    return {
      store,
      location,
      schema,
      sink: async (rows) => {
        if (isCut) throw new StoreError('unreachable', store.description, 'store.insertResults: database unreachable (gated by the test)');
        await store.insertResults(rows);
      },
      cut: () => {
        isCut = true;
      },
      restore: () => {
        isCut = false;
      },
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function server(skip: string | false): Backend {
  return {
    name: 'PostgreSQL server',
    skip,
    async open(options = {}) {
      const proxy: CutProxy = await startCutProxy(Number(new URL(testPgUrl).port || 5432), new URL(testPgUrl).hostname);
      const schema = options.schema ?? uniqueSchemaName();
      const location = urlThroughPort(proxy.port);
      let store: SqlStore;
      try {
        store = await openStore(location, { connectTimeoutMs: 2000, queryTimeoutMs: 10_000, ...options, schema });
      } catch (err) {
        await proxy.close();
        throw err;
      }
      return {
        store,
        location,
        schema,
        sink: (rows) => store.insertResults(rows),
        cut: () => proxy.cut(),
        restore: () => proxy.restore(),
        async dispose() {
          await store.close();
          await proxy.close();
          await dropSchema(schema);
        },
      };
    },
  };
}

export async function backends(): Promise<Backend[]> {
  return [pglite, server(await pgSkipReason())];
}
