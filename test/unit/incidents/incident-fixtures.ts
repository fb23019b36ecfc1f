/**
 * Plain data for the incident tests: a small topology (R2, R4, R5, R6, with parallel R2–R5 links and a
 * dev1 access link), estimates by hand, and user paths with their states. Nothing here decides
 * anything; the tests feed it to the evaluators and check what comes out.
 */
import type { LinkEstimate } from '../../../src/localize/localize-types.js';
import type { IncidentLink } from '../../../src/incidents/index.js';
import type { PathRecord, RoundResultRecord, TransitionRecord } from '../../../src/store/records.js';
import type { PathStateName } from '../../../src/monitor/path-state.js';

/** Both directions of one link: `[a→b, b→a]`. */
export function linkPair(a: string, b: string, aAddress: string, bAddress: string): IncidentLink[] {
  return [
    { key: `${a}|${b}|${aAddress}|${bAddress}`, from: a, to: b, fromName: a, toName: b, localAddress: aAddress, neighborAddress: bAddress },
    { key: `${b}|${a}|${bAddress}|${aAddress}`, from: b, to: a, fromName: b, toName: a, localAddress: bAddress, neighborAddress: aAddress },
  ];
}

export const r4r6 = linkPair('R4', 'R6', '10.0.46.4', '10.0.46.6');
export const r2r4 = linkPair('R2', 'R4', '10.0.24.2', '10.0.24.4');
export const r2r5a = linkPair('R2', 'R5', '10.1.1.6', '10.1.1.7');
export const r2r5b = linkPair('R2', 'R5', '10.1.1.8', '10.1.1.9');
export const dev1r2 = linkPair('dev1', 'R2', '10.2.0.0', '10.2.0.1');
export const allLinks: IncidentLink[] = [...r4r6, ...r2r4, ...r2r5a, ...r2r5b, ...dev1r2];

/** The access link's two directions: a group the plan cannot split. */
export const accessGroup = { id: 'gaccess', linkKeys: dev1r2.map((l) => l.key).sort(), labels: ['dev1→R2', 'R2→dev1'] };

export const R4_R6 = r4r6[0]!.key;
export const R6_R4 = r4r6[1]!.key;
export const R2_R4 = r2r4[0]!.key;
export const R4_R2 = r2r4[1]!.key;
export const R2_R5a = r2r5a[0]!.key;

export interface Fault {
  lossPct?: number;
  addedDelayMs?: number;
  down?: boolean;
  confidence?: number;
}

export function linkEstimate(linkKey: string, fault: Fault = {}): LinkEstimate {
  const faulty = (fault.lossPct ?? 0) > 0 || (fault.addedDelayMs ?? 0) > 0 || fault.down === true;
  return {
    subject: { kind: 'link', linkKey },
    lossRatio: fault.down ? 1 : (fault.lossPct ?? 0) / 100,
    down: fault.down ?? false,
    addedDelayMs: fault.addedDelayMs ?? 0,
    confidence: fault.confidence ?? (faulty ? 0.9 : 0.02),
    support: 4,
    evidence: faulty ? [`w-${linkKey.split('|').slice(0, 2).join('')}`] : [],
  };
}

export function groupEstimate(fault: Fault = {}): LinkEstimate {
  return { ...linkEstimate('unused', fault), subject: { kind: 'group', groupId: accessGroup.id, linkKeys: [...accessGroup.linkKeys] } };
}

/** A round's estimates: every link healthy except the faults given by key; the group healthy unless given. */
export function estimates(faults: Record<string, Fault> = {}, group?: Fault): LinkEstimate[] {
  const grouped = new Set(accessGroup.linkKeys);
  const links = allLinks.filter((l) => !grouped.has(l.key)).map((l) => linkEstimate(l.key, faults[l.key]));
  return [...links, groupEstimate(group)];
}

let seq = 0;
export function pathRecord(id: string, linkKeys: string[], names: string[] = ['dev1', 'R2', 'R4', 'R6', 'dev2']): PathRecord {
  return { id, group: 'dev1-dev2', fromNode: 'dev1', toNode: 'dev2', names, hops: [], hopNames: [], linkKeys, firstSeenMs: 0, goneAtMs: null };
}

export function resultRound(pathId: string, atMs: number, lossPct: number, rttP50Ms: number | null = 1): RoundResultRecord {
  const received = Math.round(10 - lossPct / 10);
  const rtt = received === 0 ? null : rttP50Ms;
  return { pathId, roundAtMs: atMs, sent: 10, received, lossPct, rttMinMs: rtt, rttAvgMs: rtt, rttMaxMs: rtt, rttP50Ms: rtt, rttP95Ms: rtt, rttP99Ms: rtt, jitterMs: 0 };
}

export function transition(pathId: string, atMs: number, from: PathStateName | null, to: PathStateName, rounds: RoundResultRecord[] = [], reason = `${to} for test ${++seq}`): TransitionRecord {
  return { pathId, atMs, from, to, reason, evidence: { rounds, thresholds: { delayMs: 100, lossPct: 5 }, hysteresisRounds: 3 } };
}
