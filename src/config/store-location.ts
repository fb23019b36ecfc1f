/**
 * Which database `run`, `report` and `history` use, decided in one place so the three always agree:
 * `--db URL` first, then the config's `storage`, then embedded PGlite under the data directory. A
 * password referenced by the config is resolved here and registered with the secret scrubber before
 * it is put into the URL the driver gets, so it can never come back out in a message.
 */
import { join } from 'node:path';
import { registerSecretValue, resolveSecret } from '../secrets/index.js';
import type { MonitorConfig } from './monitor-config.js';

/** The schema pathmon's tables live in, when the config names one (else the store's default). */
export function storeSchemaFor(config: MonitorConfig | null): string | undefined {
  return config?.storage?.schema;
}

export function storeLocationFor(options: { config: MonitorConfig | null; db?: string | undefined; dataDir: string }): string {
  if (options.db !== undefined) return options.db;
  const storage = options.config?.storage ?? null;
  if (storage === null) return `pglite:${join(options.dataDir, 'db')}`;
  const { url, password } = storage;
  if (password === undefined || url.startsWith('pglite:')) return url;
  const secret = resolveSecret(password, 'the database password (storage.password)').reveal();
  registerSecretValue(secret);
  const withPassword = new URL(url);
  withPassword.password = encodeURIComponent(secret);
  return withPassword.toString();
}
