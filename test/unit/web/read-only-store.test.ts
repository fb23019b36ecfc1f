/**
 * Views get a read-only store, and the store does not reach up into the monitor: the store's files
 * import nothing from src/monitor (the type cycle a reader noticed), the web's files reach the store only
 * through ReadOnlyStore, and readOnlyStore() leaves no write method to call, even after a cast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMethodNames, readOnlyStore, type PathStateName as StorePathStateName, type ReadOnlyStore, type Store } from '../../../src/store/index.js';
import type { PathStateName as MonitorPathStateName } from '../../../src/monitor/path-state.js';
import type { DashboardView } from '../../../src/web/dashboard-view.js';
import { MemoryStore } from '../../helpers/memory-store.js';
import { repoRoot } from '../../helpers/repo-root.js';

function sources(dir: string): { file: string; text: string }[] {
  const root = join(repoRoot, dir);
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => ({ file: `${dir}/${file}`, text: readFileSync(join(root, file), 'utf8') }));
}

const importsOf = (text: string) => [...text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'/gms)].map((m) => ({ statement: m[0], from: m[1]! }));

test('no file in src/store imports from src/monitor', () => {
  const upward = sources('src/store').flatMap(({ file, text }) =>
    importsOf(text)
      .filter((i) => /(^|\/)monitor\//.test(i.from))
      .map((i) => `${file}: ${i.from}`),
  );
  assert.deepEqual(upward, []);
});

test('src/web reaches the store only through ReadOnlyStore', () => {
  const offenders: string[] = [];
  for (const { file, text } of sources('src/web')) {
    for (const { statement, from } of importsOf(text)) {
      if (/store\/store\.js$/.test(from)) offenders.push(`${file}: imports ${from} (the writable Store)`);
      if (/store\/(index\.js)?$/.test(from) && /\bStore\b/.test(statement.replace(/ReadOnlyStore|readOnlyStore/g, ''))) offenders.push(`${file}: imports Store from ${from}`);
      // The MonitorView (with its writable store) is named only where it is narrowed: web-server.ts
      // takes it from `pathmon run` and hands it on to /metrics; dashboard-view.ts defines the narrowing.
      if (/monitor\/monitor-view\.js$/.test(from) && /\bMonitorView\b/.test(statement) && !/\/(web-server|dashboard-view)\.ts$/.test(file)) {
        offenders.push(`${file}: uses MonitorView instead of DashboardView`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('readOnlyStore() offers the read methods, delegating to the store, and nothing that writes', async () => {
  const store = new MemoryStore();
  const path = { id: 'p1', group: 'g', from: 'a', to: 'b', hops: ['10.0.0.1'], hopNames: ['a', 'b'], firstSeenMs: 1, goneAtMs: null } as unknown as Parameters<Store['upsertPaths']>[0][number];
  await store.upsertPaths([path]);
  const view = readOnlyStore(store);
  assert.deepEqual(
    (await view.paths()).map((p) => p.id),
    ['p1'],
  );
  assert.equal(view.description, store.description);
  const writes = [
    'upsertPaths',
    'markPathsGone',
    'insertResults',
    'addTransition',
    'addTransitions',
    'saveTicket',
    'addNotification',
    'upsertWalks',
    'markWalksGone',
    'recordIncidentChange',
    'enqueueOutbox',
    'markOutbox',
    'insertLinkEstimates',
    'addTopologySnapshot',
    'applyRetention',
    'close',
  ];
  for (const name of writes) assert.equal((view as unknown as Record<string, unknown>)[name], undefined, `${name} reachable through a cast`);
  assert.deepEqual(Object.keys(view).sort(), ['description', ...readMethodNames].sort());
  assert.ok(Object.isFrozen(view));
  assert.equal(readOnlyStore(view), view);
});

test('at compile time: a view cannot call a write, and the path states are one type', () => {
  const probe = (view: DashboardView, store: ReadOnlyStore): void => {
    // @ts-expect-error views have no writes
    void view.store.insertResults([]);
    // @ts-expect-error nor does a ReadOnlyStore
    void store.applyRetention(0);
  };
  assert.equal(typeof probe, 'function');
  const fromStore: StorePathStateName = 'DEGRADED';
  const fromMonitor: MonitorPathStateName = fromStore;
  assert.equal(fromMonitor, 'DEGRADED');
});
