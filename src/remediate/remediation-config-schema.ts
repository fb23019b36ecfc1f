/** The `remediation:` section: rules that match events and incidents, and the worker pool that runs their actions. */
import { z } from 'zod';

export const remediationConfigSchema = z.strictObject({
  workers: z.number().int().min(1).max(256).optional(),
});

export type RemediationConfig = z.output<typeof remediationConfigSchema>;
