/** src/syslog/: receives device logs, parses them into events, stores them. This file is the public surface. */
export type { SyslogEvent, SyslogTransport, EventStatus } from './syslog-event.js';
export { syslogConfigSchema, type SyslogConfig } from './syslog-config-schema.js';
