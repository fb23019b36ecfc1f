/**
 * The database connection behind a view's store, for the pages whose tables belong to a feature module
 * (syslog events, action runs, the fleet) rather than to the store's own interface. Null for a store
 * that has none (a recorded or in-memory view): those pages then say the data is not available.
 */
import type { SqlClient } from '../store/sql-client.js';

export function sqlClientOf(store: unknown): SqlClient | null {
  const client = (store as { sqlClient?: SqlClient } | null)?.sqlClient;
  return client && typeof client.query === 'function' ? client : null;
}
