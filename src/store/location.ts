/**
 * Where the data lives, from the one string a user types: `pglite:DIR` (or a plain directory path) for
 * embedded PGlite, `pglite:memory` for a throwaway in-memory database, `postgres://…` for a server.
 * The parsed form keeps the password apart so that `description` (what logs and errors print) never
 * has it; the full URL only goes to the driver.
 */
import { resolve } from 'node:path';
import { StoreError } from './store-error.js';

export type StoreLocation = { kind: 'pglite'; dataDir: string | null; description: string; secrets: string[] } | { kind: 'postgres'; url: string; description: string; secrets: string[] };

/** Query parameters of a connection URL that carry secrets and are dropped from the description. */
const SECRET_PARAMS = ['password', 'sslpassword', 'sslkey'];

/** Parses a location string; throws StoreError 'bad-location' naming the (redacted) value. */
export function parseLocation(location: string): StoreLocation {
  const text = location.trim();
  if (text.length === 0) {
    throw new StoreError('bad-location', '', 'store.parseLocation: empty location; expected pglite:DIR, a directory path or postgres://…');
  }
  if (/^postgres(ql)?:\/\//i.test(text)) return parsePostgres(text);
  if (/^pglite:/i.test(text)) {
    const rest = text.slice('pglite:'.length);
    if (rest === 'memory' || rest === '') {
      return { kind: 'pglite', dataDir: null, description: 'pglite:memory', secrets: [] };
    }
    const dataDir = resolve(rest);
    return { kind: 'pglite', dataDir, description: `pglite:${dataDir}`, secrets: [] };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const scheme = text.slice(0, text.indexOf(':'));
    throw new StoreError('bad-location', `${scheme}://…`, `store.parseLocation: unsupported scheme "${scheme}"; expected pglite:DIR, a directory path or postgres://…`);
  }
  const dataDir = resolve(text);
  return { kind: 'pglite', dataDir, description: `pglite:${dataDir}`, secrets: [] };
}

function parsePostgres(text: string): StoreLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The text may hold a password; say only what shape was wrong.
    throw new StoreError('bad-location', 'postgres://…', 'store.parseLocation: malformed postgres URL; expected postgres://user[:password]@host[:port]/database');
  }
  const secrets: string[] = [];
  if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
  const shown = new URL(url.href);
  shown.password = '';
  for (const name of SECRET_PARAMS) {
    const value = shown.searchParams.get(name);
    if (value) secrets.push(value);
    shown.searchParams.delete(name);
  }
  return { kind: 'postgres', url: url.href, description: shown.href, secrets };
}

/** A schema name pathmon is willing to put in SQL unquoted: lower-case identifier, at most 63 bytes. */
export function checkSchemaName(schema: string, location: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new StoreError('bad-value', location, `store.openStore: schema name ${JSON.stringify(schema)} is not usable; expected lower-case letters, digits and _ (at most 63)`);
  }
  return schema;
}
