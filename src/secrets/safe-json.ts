/**
 * JSON for anything that may hold secrets (a resolved config, a status object): Secret instances print
 * as `[secret env NAME]` and every string is scrubbed of registered secret values. `--json` output and
 * the dashboard's config view go through this, never through bare JSON.stringify.
 */
import { redactSecrets } from './redact.js';
import { isSecret } from './secret.js';

export function toSafeJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (isSecret(v)) return v.toString();
      if (typeof v === 'string') return redactSecrets(v);
      return v;
    },
    indent,
  );
}

/** The same value with Secrets replaced by their descriptions and strings scrubbed: safe to log. */
export function toSafeObject<T>(value: T): unknown {
  return JSON.parse(toSafeJson(value)) as unknown;
}
