/**
 * One device log line, parsed: what the receiver stores and what correlation and remediation rules
 * match on. A line that does not parse is still an event (parsed: false) with its raw text, so nothing
 * received is dropped silently.
 */
export type SyslogTransport = 'udp' | 'tcp' | 'tls';

export type EventStatus = 'NEW' | 'MATCHED' | 'UNMATCHED' | 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILURE' | 'TIMEOUT';

export interface SyslogEvent {
  /** Store id; 0 before it is stored. */
  id: number;
  /** When pathmon received it (ms since epoch). */
  receivedAtMs: number;
  /** The time the device wrote, when the line carried one; else null. */
  deviceTimeMs: number | null;
  /** The sender's address as seen on the socket. */
  sourceAddress: string;
  transport: SyslogTransport;
  /** The HOSTNAME field, else the sender's address. */
  host: string;
  /** 0-23, null when no PRI. */
  facility: number | null;
  /** 0 emergency .. 7 debug, null when no PRI. */
  severity: number | null;
  /** APP-NAME / TAG, e.g. `ospfd`, `zebra`, `%LINEPROTO`. */
  program: string | null;
  /** `LINEPROTO-5-UPDOWN`, `ETHPORT-5-IF_DOWN_LINK_FAILURE`, a Juniper `SNMP_TRAP_LINK_DOWN`; null when none. */
  errorCode: string | null;
  message: string;
  /** RFC 5424 structured data: SD-ID → param → value. */
  structuredData: Record<string, Record<string, string>>;
  /** False: the line did not parse; `message` holds it as received (lossily decoded), `raw` the bytes' text. */
  parsed: boolean;
  raw: string;
  status: EventStatus;
  /** Topology node and directed link key this event was correlated with, when it could be told. */
  node: string | null;
  linkKey: string | null;
  /** The open incident it was attached to, if any. */
  incidentId: string | null;
}
