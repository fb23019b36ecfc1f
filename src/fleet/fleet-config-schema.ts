/** The `fleet:` section: the fleet this prober registers in, on the PostgreSQL server it shares. */
import { z } from 'zod';

export const fleetConfigSchema = z.strictObject({
  name: z.string().min(1),
});

export type FleetConfig = z.output<typeof fleetConfigSchema>;
