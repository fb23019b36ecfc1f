/** The `syslog:` section: where pathmon receives device logs, and the bounds that keep a flood harmless. */
import { z } from 'zod';

export const syslogConfigSchema = z.strictObject({
  udp: z.string().optional(),
  tcp: z.string().optional(),
});

export type SyslogConfig = z.output<typeof syslogConfigSchema>;
