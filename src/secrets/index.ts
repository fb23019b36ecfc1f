/**
 * Secrets: references in config, resolution from the environment or files, and the scrubber every
 * log line, error and JSON output goes through.
 */
export { secretRefSchema, describeSecretRef, type SecretRef } from './secret-ref.js';
export { Secret, isSecret } from './secret.js';
export { resolveSecret, type SecretSources } from './resolve-secret.js';
export { SecretError, type SecretErrorCode } from './errors.js';
export { registerSecretValue, redactSecrets, redactError, redactedMark } from './redact.js';
export { toSafeJson, toSafeObject } from './safe-json.js';
export { secretRefsIn, unresolvedSecrets, type SecretRefAt, type UnresolvedSecret } from './unresolved-secrets.js';
