/**
 * pathmon's storage, as the rest of the application sees it: open a store from a location string
 * (`pglite:DIR`, a directory, or `postgres://…`), write round results through the batching writer,
 * read history and summaries. Everything else in this folder is implementation.
 */
export { openStore, DEFAULT_SCHEMA, type OpenStoreOptions } from './open-store.js';
export { SqlStore } from './sql-store.js';
export { StoreError, type StoreErrorCode } from './store-error.js';
export { parseLocation, type StoreLocation } from './location.js';
export { defaultRetention, type RetentionOptions } from './retention.js';
export { latestSchemaVersion } from './migrations.js';
export type { InsertMethod } from './results-insert.js';
export type { Store, HistoryPoint, PathSummary } from './store.js';
export { readOnlyStore, readMethodNames, type ReadOnlyStore, type ReadMethodName } from './read-only-store.js';
export { pathStateNames, stateSeverity, type PathStateName } from './path-states.js';
export type * from './records.js';
export { ResultWriter, SpillError, realTimers, type ResultWriterOptions, type ResultWriterStats, type ResultWriterView, type ResultSink, type WriterTimers } from './result-writer.js';
export { makeDirectory, checkDataDirForRead, isPgliteDataDir } from './data-dir.js';
export { liveStoreLockHolder, describeHolder, STORE_LOCK_FILE, type StoreLockHolder, type StoreLockMode } from './store-lock.js';
