/**
 * Which secret references in a config cannot be resolved, named by the config key that holds them
 * (`notifiers.freshdesk.apiKey: env PATHMON_FD_KEY is not set`). `check-config` runs it so a config is
 * not called valid while the secrets it needs are missing: that would otherwise be found only when the
 * first ticket fails to open, in the middle of an outage.
 *
 * References are found by shape anywhere in the config (an object that is exactly `{ env: NAME }` or
 * `{ file: PATH }`), so a section that adds a secret is checked without being listed here. Values are
 * read and dropped at once: nothing resolved here is kept, printed or registered with the scrubber.
 */
import { readFileSync } from 'node:fs';
import { secretRefSchema, type SecretRef } from './secret-ref.js';
import type { SecretSources } from './resolve-secret.js';

export interface SecretRefAt {
  /** The config key holding the reference, e.g. `notifiers.freshdesk.apiKey` or `storage.password`. */
  key: string;
  ref: SecretRef;
}

export interface UnresolvedSecret extends SecretRefAt {
  /** What is wrong, naming the variable or file, never a value: `env X is not set`. */
  problem: string;
}

/** Every secret reference in `value`, in document order, with the key that holds it. */
export function secretRefsIn(value: unknown, key = ''): SecretRefAt[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => secretRefsIn(item, `${key}[${index}]`));
  const asRef = secretRefSchema.safeParse(value);
  if (asRef.success) return [{ key: key || '(top level)', ref: asRef.data }];
  return Object.entries(value).flatMap(([name, inner]) => secretRefsIn(inner, key === '' ? name : `${key}.${name}`));
}

/** The references in `config` that do not resolve to a non-empty value; empty when all do. */
export function unresolvedSecrets(config: unknown, sources: SecretSources = {}): UnresolvedSecret[] {
  const env = sources.env ?? process.env;
  const readFile = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const out: UnresolvedSecret[] = [];
  for (const at of secretRefsIn(config)) {
    const problem = problemOf(at.ref, env, readFile);
    if (problem !== null) out.push({ ...at, problem });
  }
  return out;
}

function problemOf(ref: SecretRef, env: NodeJS.ProcessEnv, readFile: (path: string) => string): string | null {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined) return `env ${ref.env} is not set`;
    return value.length === 0 ? `env ${ref.env} is empty` : null;
  }
  let text: string;
  try {
    text = readFile(ref.file);
  } catch (error) {
    return `file ${ref.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  // The same rule as resolveSecret: one trailing newline is not part of the secret.
  return text.replace(/\r?\n$/, '').length === 0 ? `file ${ref.file} is empty` : null;
}
