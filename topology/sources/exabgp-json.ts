/**
 * One line of ExaBGP 4.2's JSON API output (format version "4.0.1") to topology events.
 *
 * This parser sits on a live feed from a program with known decoder faults: it
 * prints lines that are not JSON, drops unnumbered link ids, loses unknown attributes, and turns empty
 * link-state attributes into withdraws. So it never throws: every line yields either events plus the
 * names of what it ignored, or `ok: false` with a short, low-cardinality reason that callers count.
 * Reasons are fixed strings (or fixed paths) on purpose, so "skipped by reason" stays a small table.
 * The envelope is handled here; NLRIs and attributes live in `exabgp-nlri.ts`.
 */
import type { TopologyEvent } from '../model.js';
import { fieldName, nlriEvents, readLsAttributes, type LineNotes } from './exabgp-nlri.js';
import { isRecord, show } from './values.js';

/** The outcome of one line: events, or why the whole line was unusable. */
export type ExabgpLineResult =
  | {
      ok: true;
      events: TopologyEvent[];
      /** Names of fields, NLRI types or message types seen but not used (e.g. `attribute-not-implemented`). */
      ignored: string[];
      /** Human-readable notes on what the line lost (unnumbered links, bad attribute values, ExaBGP errors). */
      warnings: string[];
    }
  | { ok: false; reason: string; excerpt: string };

/** ExaBGP's JSON format version for the 4.2 series. */
export const EXABGP_JSON_VERSION = '4.0.1';
const BGPLS_FAMILY = 'bgp-ls bgp-ls';
const EXCERPT_CHARS = 200;

/** Thrown only inside this module, to leave a line early with a reason; never escapes parseExabgpLine. */
class LineRejected {
  constructor(readonly reason: string) {}
}

const excerptOf = (line: string): string => line.slice(0, EXCERPT_CHARS);

/**
 * Parses one ExaBGP JSON line. Never throws, whatever `line` holds.
 * A session-level `notification` without a neighbor (ExaBGP shutting down) is reported for peer `*`,
 * meaning every session of that ExaBGP process.
 */
export function parseExabgpLine(line: string): ExabgpLineResult {
  if (typeof line !== 'string') return { ok: false, reason: 'not a string', excerpt: excerptOf(show(line)) };
  try {
    const notes: LineNotes = { ignored: [], warnings: [] };
    const events = lineEvents(line, notes);
    return { ok: true, events, ignored: notes.ignored, warnings: notes.warnings };
  } catch (err) {
    // LineRejected is the expected exit; anything else is a bug here, still reported rather than thrown.
    const reason = err instanceof LineRejected ? err.reason : 'internal error';
    return { ok: false, reason, excerpt: excerptOf(line) };
  }
}

function need<T>(ok: boolean, value: unknown, path: string, expected: string): T {
  if (!ok) throw new LineRejected(`bad shape at ${path}: expected ${expected}`);
  return value as T;
}

function lineEvents(line: string, notes: LineNotes): TopologyEvent[] {
  const text = line.trim();
  if (text === '') throw new LineRejected('empty line');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new LineRejected('invalid JSON');
  }
  if (!isRecord(doc) || typeof doc['exabgp'] !== 'string') throw new LineRejected('not an ExaBGP message');
  if (doc['exabgp'] !== EXABGP_JSON_VERSION) {
    notes.warnings.push(`topology.parseExabgpLine: JSON format version ${show(doc['exabgp'])}; expected "${EXABGP_JSON_VERSION}" (ExaBGP 4.2), parsed anyway`);
  }
  const type = need<string>(typeof doc['type'] === 'string', doc['type'], 'type', 'a string');
  switch (type) {
    case 'state':
      return stateEvents(doc, notes);
    case 'update':
      return updateEvents(doc, notes);
    case 'notification':
      return notificationEvents(doc);
    default:
      // open, keepalive, negotiated, fsm, signal, refresh, operational: nothing topological in them.
      notes.ignored.push(`type:${fieldName(type)}`);
      return [];
  }
}

function peerOf(doc: Record<string, unknown>): { neighbor: Record<string, unknown>; peer: string } {
  const neighbor = need<Record<string, unknown>>(isRecord(doc['neighbor']), doc['neighbor'], 'neighbor', 'an object');
  const address = neighbor['address'];
  const peer = isRecord(address) ? address['peer'] : undefined;
  need(typeof peer === 'string' && peer !== '', peer, 'neighbor.address.peer', 'the peer address');
  return { neighbor, peer: peer as string };
}

function stateEvents(doc: Record<string, unknown>, notes: LineNotes): TopologyEvent[] {
  const { neighbor, peer } = peerOf(doc);
  const state = neighbor['state'];
  if (state === 'connected' || state === 'up') return [{ kind: 'session', peer, state }];
  if (state === 'down') {
    const reason = neighbor['reason'];
    return [{ kind: 'session', peer, state, ...(typeof reason === 'string' && { reason }) }];
  }
  if (typeof state === 'string') {
    notes.ignored.push(`state:${fieldName(state)}`);
    return [];
  }
  throw new LineRejected('bad shape at neighbor.state: expected connected, up or down');
}

// RFC 4271 §4.5 error codes, so a session-down reason reads as more than two numbers.
const NOTIFICATION_CODES: Readonly<Record<number, string>> = {
  1: 'message header error',
  2: 'OPEN message error',
  3: 'UPDATE message error',
  4: 'hold timer expired',
  5: 'finite state machine error',
  6: 'cease',
};

function notificationEvents(doc: Record<string, unknown>): TopologyEvent[] {
  // ExaBGP's own shutdown: `"notification": "shutdown"` at the top, no neighbor.
  if (typeof doc['notification'] === 'string') {
    return [{ kind: 'session', peer: '*', state: 'down', reason: `exabgp ${doc['notification']}` }];
  }
  // A BGP NOTIFICATION sent or received: `neighbor.notification: { code, subcode, data }`.
  const { neighbor, peer } = peerOf(doc);
  const n = need<Record<string, unknown>>(isRecord(neighbor['notification']), neighbor['notification'], 'neighbor.notification', 'an object');
  const code = typeof n['code'] === 'number' ? n['code'] : undefined;
  const name = code !== undefined ? NOTIFICATION_CODES[code] : undefined;
  const direction = neighbor['direction'] === 'send' ? 'sent' : 'received';
  const data = typeof n['data'] === 'string' && n['data'] !== '' ? ` data ${n['data'].slice(0, 64)}` : '';
  const reason = `notification ${direction} ${show(n['code'])}/${show(n['subcode'])}${name ? ` (${name})` : ''}${data}`;
  return [{ kind: 'session', peer, state: 'down', reason }];
}

function updateEvents(doc: Record<string, unknown>, notes: LineNotes): TopologyEvent[] {
  const { neighbor, peer } = peerOf(doc);
  const direction = neighbor['direction'];
  if (direction === 'send' || direction === 'out') {
    // Our own announcements echoed back (api `send { update; }`) describe nothing we learned.
    notes.ignored.push('direction:send');
    return [];
  }
  const message = need<Record<string, unknown>>(isRecord(neighbor['message']), neighbor['message'], 'neighbor.message', 'an object');
  const events: TopologyEvent[] = [];
  for (const [key, value] of Object.entries(message)) {
    if (key === 'eor') events.push(...eorEvents(value, peer, notes));
    else if (key === 'update') events.push(...bgplsUpdateEvents(value, notes));
    else notes.ignored.push(`message:${fieldName(key)}`);
  }
  return events;
}

function eorEvents(eor: unknown, peer: string, notes: LineNotes): TopologyEvent[] {
  const e = need<Record<string, unknown>>(isRecord(eor), eor, 'neighbor.message.eor', 'an object');
  if (e['afi'] === 'bgp-ls' && e['safi'] === 'bgp-ls') return [{ kind: 'end-of-rib', peer }];
  notes.ignored.push(`eor:${fieldName(`${show(e['afi'])} ${show(e['safi'])}`)}`);
  return [];
}

function bgplsUpdateEvents(value: unknown, notes: LineNotes): TopologyEvent[] {
  const update = need<Record<string, unknown>>(isRecord(value), value, 'neighbor.message.update', 'an object');
  const attribute = update['attribute'];
  let lsAttr: unknown;
  if (isRecord(attribute)) {
    lsAttr = attribute['bgp-ls'];
    const error = attribute['error'];
    if (typeof error === 'string') {
      // ExaBGP moved the NLRIs to `withdraw` already (RFC 7606 treat-as-withdraw); say so, then apply them.
      notes.ignored.push(error.startsWith('treat-as-withdraw') ? 'treat-as-withdraw' : 'error');
      notes.warnings.push(`topology.parseExabgpLine: ExaBGP reported ${show(error)}; applied the line's withdraws as given`);
    }
  } else if (attribute !== undefined) {
    notes.ignored.push('attribute');
  }
  const events: TopologyEvent[] = [];
  // RFC 4271 §3.1 processes withdrawn routes before advertised ones in the same UPDATE.
  const withdraw = update['withdraw'];
  if (withdraw !== undefined) {
    const families = need<Record<string, unknown>>(isRecord(withdraw), withdraw, 'neighbor.message.update.withdraw', 'an object');
    for (const [family, nlris] of Object.entries(families)) {
      if (family !== BGPLS_FAMILY) {
        notes.ignored.push(`family:${fieldName(family)}`);
        continue;
      }
      const list = need<unknown[]>(Array.isArray(nlris), nlris, `withdraw["${BGPLS_FAMILY}"]`, 'an array of NLRIs');
      for (const nlri of list) events.push(...nlriEvents(nlri, 'withdraw', {}, notes));
    }
  }
  const announce = update['announce'];
  if (announce !== undefined) {
    const families = need<Record<string, unknown>>(isRecord(announce), announce, 'neighbor.message.update.announce', 'an object');
    const attrs = readLsAttributes(lsAttr, notes);
    for (const [family, byNexthop] of Object.entries(families)) {
      if (family !== BGPLS_FAMILY) {
        notes.ignored.push(`family:${fieldName(family)}`);
        continue;
      }
      const hops = need<Record<string, unknown>>(isRecord(byNexthop), byNexthop, `announce["${BGPLS_FAMILY}"]`, 'an object of next hop to NLRIs');
      for (const nlris of Object.values(hops)) {
        const list = need<unknown[]>(Array.isArray(nlris), nlris, `announce["${BGPLS_FAMILY}"][nexthop]`, 'an array of NLRIs');
        for (const nlri of list) events.push(...nlriEvents(nlri, 'announce', attrs, notes));
      }
    }
  } else if (lsAttr !== undefined) {
    // Still read it so unknown fields are counted even when the UPDATE carries no announce.
    readLsAttributes(lsAttr, notes);
  }
  return events;
}
