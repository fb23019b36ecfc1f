/** src/syslog/: receives device logs, parses them into events, stores them. This file is the public surface. */
export type { SyslogEvent, SyslogFacts, SyslogTransport, EventStatus } from './syslog-event.js';
export { syslogConfigSchema, syslogSettings, defaultSyslogBounds, type SyslogConfig, type SyslogSettings } from './syslog-config-schema.js';
export { startSyslog, type SyslogReceiver, type StartSyslogOptions } from './start-syslog.js';
export type { SyslogCounters } from './syslog-ingest.js';
export { SUPPRESSED_CODE } from './syslog-ingest.js';
export { SyslogError, type SyslogErrorCode } from './syslog-error.js';
export { parseLine } from './parse-line.js';
export { codeAndFacts } from './error-codes.js';
export {
  listEvents,
  updateEvents,
  senderTotals,
  countEvents,
  eventFromRow,
  type EventFilter,
  type EventUpdate,
  type SenderTotals,
} from './event-queries.js';
