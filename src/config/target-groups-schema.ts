/**
 * The `targets:` section of the config: groups of probe targets that are not topology nodes (servers,
 * device management addresses, application endpoints), probed with ICMP, TCP or UDP. Each group
 * becomes a set of monitored routes with the same states, history and alerts as paths.
 */
import { z } from 'zod';

export const targetGroupsSchema = z.array(
  z.strictObject({
    name: z.string().min(1),
    kind: z.enum(['icmp', 'tcp', 'udp']),
    targets: z.array(z.string().min(1)).min(1),
    port: z.number().int().min(1).max(65_535).optional(),
  }),
);

export type TargetGroupConfig = z.output<typeof targetGroupsSchema>[number];
