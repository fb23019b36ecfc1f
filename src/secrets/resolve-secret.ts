/**
 * Turns a secret reference into a Secret. The environment and the file reader come in as arguments so
 * tests (and `check-config`, which must not need the real secrets) can pass their own.
 */
import { readFileSync } from 'node:fs';
import { SecretError } from './errors.js';
import { Secret } from './secret.js';
import { describeSecretRef, type SecretRef } from './secret-ref.js';

export interface SecretSources {
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => string;
}

/**
 * Reads the secret named by `ref`. A file's trailing newline is dropped (editors and `echo` add one).
 * `what` says what the secret is for, so the error tells the operator which setting to fix.
 */
export function resolveSecret(ref: SecretRef, what: string, sources: SecretSources = {}): Secret {
  const source = describeSecretRef(ref);
  let value: string;
  if ('env' in ref) {
    const env = sources.env ?? process.env;
    const raw = env[ref.env];
    if (raw === undefined) {
      throw new SecretError('missing-env', source, `secrets.resolveSecret: environment variable ${ref.env} is not set; expected ${what} in it`);
    }
    value = raw;
  } else {
    const readFile = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
    try {
      value = readFile(ref.file).replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new SecretError('unreadable-file', source, `secrets.resolveSecret: cannot read ${ref.file} (${code}); expected ${what} in it`);
    }
  }
  if (value.length === 0) {
    throw new SecretError('empty', source, `secrets.resolveSecret: ${source} is empty; expected ${what}`);
  }
  return new Secret(value, source);
}
