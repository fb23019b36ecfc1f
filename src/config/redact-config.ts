/**
 * The config as `check-config --json` prints it: everything an engineer needs to see what pathmon will
 * do, nothing an attacker could use. A secret *reference* ({ env } or { file }) is shown, because it says
 * where the secret comes from without being it; a literal value under a secret-looking key, and the
 * password part of any URL, are replaced.
 */
import { isSecretPath, withoutUrlPassword } from './config-problems.js';
import type { MonitorConfig } from './monitor-config.js';

export const REDACTED = '(redacted)';

export function redactedConfig(config: MonitorConfig): unknown {
  return redact(config, []);
}

function redact(value: unknown, path: (string | number)[]): unknown {
  if (typeof value === 'string') return isSecretPath(path) ? REDACTED : withoutUrlPassword(value);
  if (Array.isArray(value)) return value.map((item, index) => redact(item, [...path, index]));
  if (typeof value === 'object' && value !== null) {
    if (isSecretPath(path) && isReference(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redact(inner, [...path, key])]));
  }
  return isSecretPath(path) && value !== undefined && value !== null ? REDACTED : value;
}

function isReference(value: object): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file') && typeof (value as Record<string, unknown>)[keys[0]] === 'string';
}
