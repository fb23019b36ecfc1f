/**
 * The error code and the facts (interface, neighbour, state change) of one device message. Rules match
 * on the code; correlation maps the facts to a link. The forms:
 * - Cisco IOS/NX-OS/IOS-XR `%FAC-SEV-MNEMONIC:` (`%LINEPROTO-5-UPDOWN`, `%ETHPORT-5-IF_DOWN_LINK_FAILURE`,
 *   `%PKT_INFRA-LINK-3-UPDOWN`), stored without the `%`. Also accepted without it when it opens the
 *   message, as collectors that re-emit Cisco lines write it.
 * - Juniper `EVENT_NAME:` opening the message (`SNMP_TRAP_LINK_DOWN:`, `RPD_OSPF_NBRDOWN:`), or the
 *   RFC 5424 MSGID that structured-format Junos puts it in. At least one `_` is required, so a word
 *   such as `OSPF:` is not taken for an event name.
 * - FRR has no codes. Its adjacency lines get the Cisco code of the same fault, so one rule matches
 *   either vendor: ospfd `AdjChg: Nbr ID, NbrIP ADDR (vrf) on IF: Full -> Deleted (reason)` (FRR 8.x;
 *   older releases lack `NbrIP`) is `OSPF-5-ADJCHG`, bgpd `%ADJCHANGE: neighbor ADDR ... Down` is
 *   `BGP-5-ADJCHANGE` (both are logged at notice level, 5). FRR 8's `[XXXXX-XXXXX]` message ids and
 *   `[EC n]` error-code tags before the text are skipped, and so are the date and the daemon tag of
 *   FRR's own log file (`2026/11/27 12:00:35 OSPF: [Y05P2-YJVXY] AdjChg: ...`), which is what a
 *   forwarder tailing that file (rsyslog's imfile, `logger`) sends.
 */
import type { SyslogFacts } from './syslog-event.js';

export interface CodeAndFacts {
  errorCode: string | null;
  facts: SyslogFacts;
}

const CISCO = /(?:^|[\s:>])%([A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*-[0-7]-[A-Z][A-Z0-9_]*)(?=[:\s]|$)/;
const CISCO_BARE = /^([A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*-[0-7]-[A-Z][A-Z0-9_]*):/;
const JUNIPER = /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+):/;
const JUNIPER_MSGID = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const FRR_PREFIX = /^(?:\[[0-9A-Z]{5}-[0-9A-Z]{5}\]\s*)?(?:\[EC \d+\]\s*)?/;
/** FRR's log-file line start: `YYYY/MM/DD HH:MM:SS[.fff] DAEMON: `; only the FRR forms are read after it. */
const FRR_FILE_PREFIX = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(?:\.\d+)?\s+(?:[A-Z][A-Z0-9]*:\s*)?/;
/** `on IF:` or, for a numbered OSPF interface, `on IF:ADDRESS:` (FRR names it with its own address). */
const FRR_OSPF = /^(?:OSPF:\s*)?AdjChg: Nbr ([0-9a-fA-F.:]+)(?:, NbrIP ([0-9a-fA-F.:]+))?(?:\(([^)]*)\)| \(([^)]*)\))? on ([^:\s]+)(?::(\d+\.\d+\.\d+\.\d+))?: (\S+) -> (\S+)/;
const FRR_BGP = /^%ADJCHANGE: neighbor (\S+?)(?:\([^)]*\))?(?: in vrf \S+)? (Up|Down)\b/;

const ADDRESS = '([0-9a-fA-F.:]+)';
const IFNAME = '([A-Za-z][\\w./:-]*?)';
const LINK_STATE = /Interface ([A-Za-z][^,\s]*),? changed state to (\w[\w ]*)/;
const ETHPORT_STATE = /Interface ([A-Za-z][^,\s]*) is (up|down)/;
const CISCO_OSPF = new RegExp(`Nbr ${ADDRESS} on ${IFNAME} from (\\S+) to ([^,\\s]+)`);
const CISCO_BGP = new RegExp(`neighbor ${ADDRESS}(?:\\([^)]*\\))?(?: (?:vpn )?(?:in )?vrf \\S+)? (Up|Down)\\b`);
const JUNIPER_OSPF = new RegExp(`neighbor ${ADDRESS} \\(realm \\S+ ${IFNAME} area [^)]*\\) state changed from (\\S+) to (\\S+)`);
const JUNIPER_BGP = new RegExp(`peer ${ADDRESS}(?: \\([^)]*\\))? changed state from (\\S+) to (\\S+)`);

/** Per-code readers of the text after the code. */
const FACT_READERS: { code: RegExp; read: (text: string) => SyslogFacts }[] = [
  {
    // %LINEPROTO-5-UPDOWN: Line protocol on Interface Gi0/1, changed state to down / %LINK-3-UPDOWN
    code: /^(?:LINEPROTO|LINK|PKT_INFRA-LINK|PKT_INFRA-LINEPROTO)-\d-UPDOWN$/,
    read: (text) => {
      const m = LINK_STATE.exec(text);
      return m ? stateChange({ interface: m[1]! }, undefined, m[2]!.trimEnd()) : {};
    },
  },
  {
    // %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/1 is down (Link failure) / IF_UP
    code: /^ETHPORT-\d-IF_(?:DOWN|UP)/,
    read: (text) => {
      const m = ETHPORT_STATE.exec(text);
      return m ? stateChange({ interface: m[1]! }, undefined, m[2]!) : {};
    },
  },
  {
    // %OSPF-5-ADJCHG: Process 1, Nbr 10.0.0.2 on GigabitEthernet0/1 from FULL to DOWN, Neighbor Down: Dead timer expired
    code: /^OSPF(?:V3)?-\d-ADJCHG$/,
    read: (text) => {
      const m = CISCO_OSPF.exec(text);
      return m ? stateChange({ neighborId: m[1]!, interface: m[2]! }, m[3]!, m[4]!) : {};
    },
  },
  {
    // %BGP-5-ADJCHANGE: neighbor 10.1.1.2 Down BGP Notification sent / neighbor 10.1.1.2 vpn vrf X Up
    code: /^BGP-\d-ADJCHANGE$/,
    read: (text) => {
      const m = CISCO_BGP.exec(text);
      return m ? stateChange({ neighborAddress: m[1]! }, undefined, m[2]!) : {};
    },
  },
  {
    // SNMP_TRAP_LINK_DOWN: ifIndex 523, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1
    code: /^SNMP_TRAP_LINK_(?:DOWN|UP)$/,
    read: (text) => {
      const name = /ifName ([^\s,]+)/.exec(text);
      const oper = /ifOperStatus (\w+)/.exec(text);
      return stateChange(name ? { interface: name[1]! } : {}, undefined, oper?.[1] ?? (/DOWN/.test(text) ? 'down' : 'up'));
    },
  },
  {
    // RPD_OSPF_NBRDOWN: OSPF neighbor 10.0.0.2 (realm ospf-v2 ge-0/0/1.0 area 0.0.0.0) state changed from Full to Down due to ...
    code: /^RPD_OSPF_NBR(?:DOWN|UP)$/,
    read: (text) => {
      const m = JUNIPER_OSPF.exec(text);
      return m ? stateChange({ neighborAddress: m[1]!, interface: m[2]! }, m[3]!, m[4]!) : {};
    },
  },
  {
    // bgp_peer_mgmt / RPD_BGP_NEIGHBOR_STATE_CHANGED: BGP peer 10.1.1.2 (External AS 65001) changed state from Established to Idle
    code: /^(?:BGP|RPD_BGP)_NEIGHBOR_STATE_CHANGED$/,
    read: (text) => {
      const m = JUNIPER_BGP.exec(text);
      return m ? stateChange({ neighborAddress: m[1]! }, m[2]!, m[3]!) : {};
    },
  },
];

/**
 * The code and facts of a message. `messageId` is the RFC 5424 MSGID (null for RFC 3164 lines): where
 * it holds a Juniper event name it is the code.
 */
export function codeAndFacts(message: string, messageId: string | null = null): CodeAndFacts {
  const text = message.replace(FRR_PREFIX, '');
  const fileLine = FRR_FILE_PREFIX.exec(message);
  const frrText = fileLine === null ? text : message.slice(fileLine[0].length).replace(FRR_PREFIX, '');
  const ospf = FRR_OSPF.exec(frrText);
  if (ospf) {
    const facts: SyslogFacts = { neighborId: ospf[1]!, interface: ospf[5]! };
    if (ospf[2]) facts.neighborAddress = ospf[2];
    if (ospf[6]) facts.localAddress = ospf[6];
    return { errorCode: 'OSPF-5-ADJCHG', facts: stateChange(facts, ospf[7]!, ospf[8]!) };
  }
  const bgp = FRR_BGP.exec(frrText);
  if (bgp) return { errorCode: 'BGP-5-ADJCHANGE', facts: stateChange({ neighborAddress: bgp[1]! }, undefined, bgp[2]!) };

  let errorCode: string | null = null;
  let rest = text;
  const cisco = CISCO.exec(text) ?? CISCO_BARE.exec(text);
  if (cisco) {
    errorCode = cisco[1]!;
    rest = text.slice(cisco.index + cisco[0].length).replace(/^:\s*/, '');
  } else {
    const juniper = JUNIPER.exec(text);
    if (juniper) {
      errorCode = juniper[1]!;
      rest = text.slice(juniper[0].length).trimStart();
    } else if (messageId !== null && JUNIPER_MSGID.test(messageId)) {
      errorCode = messageId;
    }
  }
  if (errorCode === null) return { errorCode, facts: {} };
  const reader = FACT_READERS.find((candidate) => candidate.code.test(errorCode!));
  return { errorCode, facts: reader ? reader.read(rest) : {} };
}

const DOWN_STATES = /^(?:down|deleted|init|idle|active|connect|attempt|administratively down|lowerlayerdown|notpresent)$/i;
const UP_STATES = /^(?:up|full|established|2-?way)$/i;

/**
 * `facts` with the change added. It is always a fresh object of the caller's, so it is extended in
 * place: a spread copy here cost several microseconds a line (V8 makes the copy a slow object).
 */
function stateChange(facts: SyslogFacts, from: string | undefined, to: string): SyslogFacts {
  const result = facts;
  if (from !== undefined) result.fromState = from;
  result.toState = to;
  if (DOWN_STATES.test(to)) result.direction = 'down';
  else if (UP_STATES.test(to)) result.direction = 'up';
  return result;
}
