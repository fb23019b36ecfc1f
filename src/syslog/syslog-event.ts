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
  /**
   * What the message says about an interface, a neighbour and a state change, read from the known
   * forms (Cisco LINEPROTO/LINK/ETHPORT/OSPF/BGP, Juniper SNMP_TRAP_LINK_*, RPD_OSPF_NBR*, FRR ospfd
   * AdjChg and bgpd ADJCHANGE); absent or empty when the message has none of them. Correlation maps
   * these to a link of the topology.
   */
  facts?: SyslogFacts;
  /** The line was longer than syslog.maxLineBytes: `raw` and `message` hold its first bytes only. */
  truncated?: boolean;
  /** The bytes were not valid UTF-8: they were decoded with U+FFFD in place of each bad sequence. */
  invalidUtf8?: boolean;
}

export interface SyslogFacts {
  /** The device's interface name, as written (`GigabitEthernet0/1`, `ge-0/0/1`, `eth1`). */
  interface?: string;
  /** The device's own address on the link (FRR's `on IF:ADDRESS`). */
  localAddress?: string;
  /** The neighbour's address on the link (BGP peer, OSPF NbrIP). */
  neighborAddress?: string;
  /** The neighbour's router id (OSPF `Nbr`). */
  neighborId?: string;
  /** The state left and the state entered, as the device wrote them (`Full`, `Deleted`, `down`). */
  fromState?: string;
  toState?: string;
  /** The change read as a direction: `down` when the link, protocol or adjacency went away. */
  direction?: 'up' | 'down';
}
