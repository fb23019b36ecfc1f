/**
 * The store as a view sees it: the read methods only. The dashboard, the JSON API and /metrics show
 * what the monitor stored and must never write (a view that could upsert paths or mark an outbox row
 * sent would be a second writer nobody tests as one), so they are handed this type, and
 * `readOnlyStore()` also takes the write methods away at run time: a cast cannot reach them.
 */
import type { Store } from './store.js';

/** The names of the Store's read methods; a new method is a write until it is listed here. */
export const readMethodNames = [
  'paths',
  'currentStates',
  'transitions',
  'openTicket',
  'openTickets',
  'lastTicket',
  'walks',
  'pendingOutbox',
  'outboxItems',
  'openIncidents',
  'incidents',
  'incident',
  'incidentChanges',
  'linkHistory',
  'routeResults',
  'history',
  'summaries',
] as const satisfies readonly (keyof Store)[];

export type ReadMethodName = (typeof readMethodNames)[number];

/** What views may call: the description and the read methods. */
export type ReadOnlyStore = Pick<Store, 'description' | ReadMethodName>;

/**
 * An object holding only `store`'s read methods (bound to it) and its description. Wrapping a wrapper
 * returns a wrapper of the same store.
 */
export function readOnlyStore(store: ReadOnlyStore): ReadOnlyStore {
  if (readOnlyStores.has(store)) return store;
  const view = { description: store.description } as Record<string, unknown>;
  for (const name of readMethodNames) {
    const method = store[name] as (...args: unknown[]) => unknown;
    view[name] = (...args: unknown[]) => method.apply(store, args);
  }
  const frozen = Object.freeze(view) as unknown as ReadOnlyStore;
  readOnlyStores.add(frozen);
  return frozen;
}

const readOnlyStores = new WeakSet<object>();
