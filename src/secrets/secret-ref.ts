/**
 * Where a secret comes from. The YAML config never holds a secret itself, only a reference to the
 * environment variable or file that does, so the config file can be printed, committed or attached to
 * a ticket. Docker/Kubernetes secrets are files; systemd credentials and CI secrets are variables.
 */
import { z } from 'zod';

export const secretRefSchema = z.union(
  [z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name') }), z.strictObject({ file: z.string().min(1, 'expected a file path') })],
  { error: 'expected a secret reference: { env: VARIABLE_NAME } or { file: /path/to/file }, never the secret itself' },
);

/** `{ env: NAME }` or `{ file: PATH }`; safe to print (it names where the secret is, not the secret). */
export type SecretRef = z.infer<typeof secretRefSchema>;

/** "env PATHMON_FRESHDESK_KEY" or "file /run/secrets/x": how messages name a reference. */
export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `env ${ref.env}` : `file ${ref.file}`;
}
