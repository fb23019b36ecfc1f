/**
 * The recorded monitor's link localization: a toy cover plan, per-link estimates and link incidents, so
 * the dashboard, the API and /metrics can be tested without the planner and the estimator.
 *
 * The plan is one walk per router-to-router direction u→v: the prober's shortest way to u, the link,
 * and the shortest way back from v that avoids v→u (so each direction has a walk of its own). The
 * prober's access link is reported as a group (every walk crosses both directions) and links to other
 * hosts as unreachable (hosts do not decapsulate). Estimates stand in for the localizer's: zero for
 * healthy links, the recorded incident's figures, or a live impairment's figures after a round.
 *
 * Store writes (walks, incident changes, link estimates) happen only where the store has them, so the
 * in-memory store of the unit tests works as well as PGlite.
 */
import type { IncidentChange, IncidentKind, IncidentRecord, IncidentSubject } from '../../src/incidents/incident.js';
import { linkSubjectKey } from '../../src/incidents/index.js';
import type { LiveLink, LivePlan, MonitorUpdate } from '../../src/monitor/monitor-view.js';
import type { LinkEstimateRecord, WalkRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import type { TopologyGraph, TopologyLink } from '../../topology/index.js';
import type { Impairment, RecordedMonitor } from './recorded-monitor.js';

export const LINK_INCIDENT_TICKET_ID = 4243;
const ACCESS_GROUP = 'gaccess';
const OPEN_FOR_MS = 30 * 60_000;

interface Estimate {
  lossRatio: number;
  addedDelayMs: number;
}

export class RecordedLinks {
  private readonly walkRecords: WalkRecord[] = [];
  private readonly estimates = new Map<string, LiveLink>();
  private readonly all: IncidentRecord[] = [];
  /** Estimates held by recorded incidents (not by impairments): they stay until resolved by hand. */
  private readonly pinned = new Map<string, Estimate>();
  /** Incidents opened by impairments, by subject key. */
  private readonly fromImpairments = new Map<string, IncidentRecord>();
  private planValue: LivePlan | null = null;
  private sequence = 0;
  private readonly prober: string;

  constructor(
    private readonly monitor: RecordedMonitor,
    private readonly graph: TopologyGraph,
    prober: string,
    private readonly emit: (update: MonitorUpdate) => void,
  ) {
    this.prober = graph.resolveNode(prober);
  }

  openIncidents(): IncidentRecord[] {
    return this.all.filter((incident) => incident.state === 'open').sort((a, b) => b.openedAtMs - a.openedAtMs);
  }
  links(): LiveLink[] {
    return [...this.estimates.values()];
  }
  plan(): LivePlan | null {
    return this.planValue;
  }

  /** Plans, stores the walks, seeds healthy estimates and, when asked, the two recorded incidents. */
  async record(withIncidents: boolean): Promise<void> {
    const nowMs = this.monitor.nowMs;
    this.buildPlan(nowMs);
    const store = this.store();
    if (store.upsertWalks) await store.upsertWalks(this.walkRecords);
    if (!withIncidents) return;
    const r4r6 = this.directed('R4', 'R6');
    const r3r5 = this.directed('R3', 'R5');
    const r5r3 = this.directed('R5', 'R3');
    if (!r4r6 || !r3r5 || !r5r3) return;

    // Resolved: R3↔R5 added 12 ms both ways from 90 to 70 minutes ago.
    const delayFrom = nowMs - 90 * 60_000;
    const delayTo = nowMs - 70 * 60_000;
    const delay = this.newIncident({ kind: 'link', linkKeys: [r3r5.key, r5r3.key].sort(), label: 'R3↔R5', direction: 'both' }, 'delay', delayFrom, { lossRatio: 0, addedDelayMs: 12 });
    await this.change('opened', delay, null, 'added delay 12 ms > 5 ms for 3 rounds');
    const resolvedDelay = { ...delay, state: 'resolved' as const, updatedAtMs: delayTo, resolvedAtMs: delayTo, summary: 'R3↔R5: +12 ms one-way, resolved after 20 min' };
    await this.change('resolved', resolvedDelay, delay, 'healthy for 3 rounds');
    await this.storeEstimates([r3r5.key, r5r3.key], delayFrom, delayTo, (i) => ({ lossRatio: 0, addedDelayMs: 11.5 + (i % 3) * 0.5 }));

    // Open: R4→R6 drops everything one way for the last 30 minutes; R6→R4 is healthy.
    const openedAt = nowMs - OPEN_FOR_MS;
    const lossy = this.newIncident({ kind: 'link', linkKeys: [r4r6.key], label: 'R4→R6', direction: 'one-way' }, 'loss', openedAt, { lossRatio: 0.6, addedDelayMs: 0 });
    await this.change('opened', lossy, null, 'loss 60 % > 5 % for 3 rounds');
    const updatedAt = openedAt + 3 * this.monitor.roundIntervalMs;
    const down: IncidentRecord = {
      ...lossy,
      kind: 'down',
      lossPct: 100,
      updatedAtMs: updatedAt,
      controlPlaneUp: true,
      summary: 'R4→R6: 100 % loss (data plane down, control plane up)',
      rounds: [...lossy.rounds, { atMs: updatedAt, lossPct: 100, addedDelayMs: 0, confidence: 0.97 }],
      confidence: 0.97,
    };
    await this.change('updated', down, lossy, 'estimate rose from 60 % to 100 %');
    await this.storeEstimates([r4r6.key], openedAt, nowMs - 1000, (i) => (i < 3 ? { lossRatio: 0.6, addedDelayMs: 0 } : { lossRatio: 1, addedDelayMs: 0 }));
    this.pinned.set(r4r6.key, { lossRatio: 1, addedDelayMs: 0 });
    this.setEstimate(r4r6.key, { lossRatio: 1, addedDelayMs: 0 }, nowMs - 1000, down.id);
    await store.saveTicket?.({
      subjectKey: down.subjectKey,
      incidentId: down.id,
      ticketId: LINK_INCIDENT_TICKET_ID,
      openedAtMs: openedAt + this.monitor.roundIntervalMs,
      lastState: 'down',
      resolvedAtMs: null,
    });
  }

  /** After a round: estimates follow the impairments, and so do the incidents they open and resolve. */
  async round(atMs: number): Promise<void> {
    const impaired = this.monitor.impaired();
    for (const link of this.estimates.values()) {
      const key = link.linkKeys.length === 1 ? link.linkKeys[0]! : null;
      const estimate = (key && (toEstimate(impaired.get(key)) ?? this.pinned.get(key))) || { lossRatio: 0, addedDelayMs: 0 };
      this.setEstimate(link.linkKeys[0]!, estimate, atMs, link.incidentId);
    }
    const rows = this.links()
      .filter((link) => link.lossRatio > 0 || link.addedDelayMs > 0)
      .map(
        (link): LinkEstimateRecord => ({
          subjectKey: link.subjectKey,
          atMs,
          lossRatio: link.lossRatio,
          addedDelayMs: link.addedDelayMs,
          down: link.down,
          confidence: link.confidence,
          support: link.support,
        }),
      );
    const store = this.store();
    if (rows.length > 0 && store.insertLinkEstimates) await store.insertLinkEstimates(rows);

    const wanted = this.impairmentSubjects(impaired);
    for (const [subjectKey, incident] of this.fromImpairments) {
      if (wanted.has(subjectKey)) continue;
      const resolved: IncidentRecord = { ...incident, state: 'resolved', updatedAtMs: atMs, resolvedAtMs: atMs, summary: `${incident.subject.label}: resolved` };
      this.fromImpairments.delete(subjectKey);
      await this.change('resolved', resolved, incident, 'healthy for 1 round');
      for (const key of incident.subject.kind === 'link' ? incident.subject.linkKeys : []) this.setIncidentOf(key, null);
    }
    for (const [subjectKey, { subject, kind, estimate }] of wanted) {
      const current = this.fromImpairments.get(subjectKey);
      if (current && current.kind === kind && current.subject.label === subject.label) continue;
      for (const key of current?.subject.kind === 'link' ? current.subject.linkKeys : []) this.setIncidentOf(key, null);
      const next = current ? { ...this.newIncident(subject, kind, current.openedAtMs, estimate), id: current.id, updatedAtMs: atMs } : this.newIncident(subject, kind, atMs, estimate);
      this.fromImpairments.set(subjectKey, next);
      await this.change(current ? 'updated' : 'opened', next, current ?? null, `impaired: ${kind}`);
      for (const key of subject.linkKeys) this.setIncidentOf(key, next.id);
    }
  }

  private store(): Partial<Store> {
    return this.monitor.store as Partial<Store>;
  }

  private directed(from: string, to: string): TopologyLink | undefined {
    if (!this.graph.graph.hasNode(from) || !this.graph.graph.hasNode(to)) return undefined;
    return this.graph.linksBetween(from, to)[0];
  }

  private name(id: string): string {
    return this.graph.node(id).name;
  }

  private label(link: TopologyLink): string {
    return `${this.name(link.from)}→${this.name(link.to)}`;
  }

  private buildPlan(nowMs: number): void {
    const routers = (id: string) => this.graph.node(id).kind === 'router';
    const access: TopologyLink[] = [];
    let unreachable = 0;
    const crossings = new Map<string, number>();
    const walks = new Map<string, WalkRecord>();
    for (const link of this.graph.links()) {
      if (link.from === this.prober || link.to === this.prober) {
        access.push(link);
        continue;
      }
      if (!routers(link.from) || !routers(link.to)) {
        unreachable++;
        continue;
      }
      const reverse = new Set(this.graph.linksBetween(link.to, link.from).map((back) => back.key));
      const out = this.shortest(this.prober, link.from, new Set());
      const back = this.shortest(link.to, this.prober, reverse);
      if (!out || !back) {
        unreachable++;
        continue;
      }
      const route = [...out, link, ...back];
      const id = `w${hashOf(route.map((step) => step.key).join('\n'))}`;
      walks.set(id, { id, names: [this.name(this.prober), ...route.map((step) => this.name(step.to))], linkKeys: route.map((step) => step.key), firstSeenMs: nowMs - 86_400_000, goneAtMs: null });
    }
    this.walkRecords.push(...walks.values());
    for (const walk of this.walkRecords) for (const key of new Set(walk.linkKeys)) crossings.set(key, (crossings.get(key) ?? 0) + 1);
    for (const path of this.monitor.paths()) for (const key of new Set(path.record.linkKeys)) crossings.set(key, (crossings.get(key) ?? 0) + 1);

    for (const link of this.graph.links()) {
      if (link.from === this.prober || link.to === this.prober || !crossings.has(link.key)) continue;
      this.estimates.set(`link:${link.key}`, {
        subjectKey: `link:${link.key}`,
        linkKeys: [link.key],
        label: this.label(link),
        lossRatio: 0,
        addedDelayMs: 0,
        down: false,
        confidence: 0,
        support: crossings.get(link.key)!,
        incidentId: null,
        atMs: nowMs - 1000,
      });
    }
    const groups = access.length > 0 ? [{ id: ACCESS_GROUP, labels: access.map((link) => this.label(link)), reason: "every walk crosses both (the prober's access link)" }] : [];
    if (access.length > 0) {
      this.estimates.set(`group:${ACCESS_GROUP}`, {
        subjectKey: `group:${ACCESS_GROUP}`,
        linkKeys: access.map((link) => link.key).sort(),
        label: groups[0]!.labels.join(', '),
        lossRatio: 0,
        addedDelayMs: 0,
        down: false,
        confidence: 0,
        support: this.walkRecords.length,
        incidentId: null,
        atMs: nowMs - 1000,
      });
    }
    const links = this.graph.links().length;
    this.planValue = { walks: this.walkRecords.length, links, identifiable: links - access.length - unreachable, groups, unreachable, coverage: 2 };
  }

  /** BFS over links from `from` to `to` through routers only, avoiding `banned`. */
  private shortest(from: string, to: string, banned: Set<string>): TopologyLink[] | null {
    const parent = new Map<string, TopologyLink | null>([[from, null]]);
    const queue = [from];
    while (queue.length > 0) {
      const node = queue.shift()!;
      if (node === to) break;
      if (node !== from && this.graph.node(node).kind !== 'router') continue;
      for (const link of this.graph.links()) {
        if (link.from !== node || banned.has(link.key) || parent.has(link.to)) continue;
        parent.set(link.to, link);
        queue.push(link.to);
      }
    }
    if (!parent.has(to)) return null;
    const route: TopologyLink[] = [];
    for (let step = parent.get(to); step; step = parent.get(step.from)) route.unshift(step);
    return route;
  }

  private newIncident(subject: IncidentSubject & { kind: 'link' }, kind: IncidentKind, openedAtMs: number, estimate: Estimate): IncidentRecord {
    const keys = new Set(subject.linkKeys);
    const explained = this.monitor
      .paths()
      .filter((path) => path.record.linkKeys.some((key) => keys.has(key)))
      .map((path) => path.record.id);
    const walks = this.walkRecords.filter((walk) => walk.linkKeys.some((key) => keys.has(key))).map((walk) => walk.id);
    const lossPct = kind === 'delay' ? null : Math.round(estimate.lossRatio * 1000) / 10;
    const confidence = 0.9;
    return {
      id: `i${openedAtMs.toString(36)}${(this.sequence++).toString(36)}`,
      subjectKey: this.subjectKeyOf(subject.linkKeys),
      subject,
      kind,
      state: 'open',
      openedAtMs,
      updatedAtMs: openedAtMs,
      resolvedAtMs: null,
      lossPct,
      addedDelayMs: kind === 'delay' ? estimate.addedDelayMs : null,
      confidence,
      controlPlaneUp: kind === 'down' ? true : null,
      summary: kind === 'delay' ? `${subject.label}: +${estimate.addedDelayMs} ms one-way` : `${subject.label}: ${lossPct} % loss`,
      evidenceRoutes: [...walks, ...explained],
      explainedPaths: explained,
      rounds: [{ atMs: openedAtMs, lossPct: lossPct ?? 0, addedDelayMs: estimate.addedDelayMs, confidence }],
    };
  }

  private async change(change: IncidentChange['change'], incident: IncidentRecord, previous: IncidentRecord | null, reason: string): Promise<void> {
    const index = this.all.findIndex((candidate) => candidate.id === incident.id);
    if (index >= 0) this.all[index] = incident;
    else this.all.push(incident);
    const store = this.store();
    if (store.recordIncidentChange) await store.recordIncidentChange({ change, incident, previous, reason });
    this.emit({ kind: 'incident', atMs: incident.updatedAtMs, incidentId: incident.id, change });
  }

  private async storeEstimates(keys: string[], fromMs: number, toMs: number, estimate: (round: number) => Estimate): Promise<void> {
    const store = this.store();
    if (!store.insertLinkEstimates) return;
    const rows: LinkEstimateRecord[] = [];
    let round = 0;
    for (let at = fromMs; at <= toMs; at += this.monitor.roundIntervalMs, round++) {
      const { lossRatio, addedDelayMs } = estimate(round);
      for (const key of keys) rows.push({ subjectKey: `link:${key}`, atMs: at, lossRatio, addedDelayMs, down: lossRatio >= 1, confidence: 0.9, support: 4 });
    }
    await store.insertLinkEstimates(rows);
  }

  /** Incidents are keyed by the physical link (both directions), whichever direction is at fault. */
  private subjectKeyOf(linkKeys: readonly string[]): string {
    const physical = new Set(linkKeys);
    for (const key of linkKeys) {
      const link = this.graph.graph.getEdgeAttributes(key);
      for (const back of this.graph.linksBetween(link.to, link.from)) if (back.localAddress === link.neighborAddress) physical.add(back.key);
    }
    return linkSubjectKey([...physical]);
  }

  private setEstimate(key: string, estimate: Estimate, atMs: number, incidentId: string | null): void {
    const link = this.estimates.get(`link:${key}`) ?? [...this.estimates.values()].find((candidate) => candidate.linkKeys.includes(key));
    if (!link) return;
    const faulty = estimate.lossRatio > 0 || estimate.addedDelayMs > 0;
    Object.assign(link, { lossRatio: estimate.lossRatio, addedDelayMs: estimate.addedDelayMs, down: estimate.lossRatio >= 1, confidence: faulty ? 0.95 : 0, atMs, incidentId });
  }

  private setIncidentOf(key: string, incidentId: string | null): void {
    const link = this.estimates.get(`link:${key}`);
    if (link) link.incidentId = incidentId;
  }

  /** One subject per impaired link: both directions together when both are impaired, else the one. */
  private impairmentSubjects(impaired: ReadonlyMap<string, Impairment>) {
    const wanted = new Map<string, { subject: IncidentSubject & { kind: 'link' }; kind: IncidentKind; estimate: Estimate }>();
    for (const [key, impairment] of impaired) {
      const link = this.graph.graph.hasEdge(key) ? this.graph.graph.getEdgeAttributes(key) : null;
      if (!link) continue;
      const reverse = this.graph.linksBetween(link.to, link.from).find((back) => impaired.has(back.key));
      const keys = reverse ? [key, reverse.key].sort() : [key];
      const [first] = keys.map((k) => this.graph.graph.getEdgeAttributes(k));
      const label = reverse ? `${this.name(first!.from)}↔${this.name(first!.to)}` : this.label(link);
      const estimate = toEstimate(impairment)!;
      const kind: IncidentKind = estimate.lossRatio >= 1 ? 'down' : estimate.lossRatio > 0 ? 'loss' : 'delay';
      wanted.set(this.subjectKeyOf(keys), { subject: { kind: 'link', linkKeys: keys, label, direction: reverse ? 'both' : 'one-way' }, kind, estimate });
    }
    return wanted;
  }
}

function toEstimate(impairment: Impairment | undefined): Estimate | undefined {
  if (!impairment) return undefined;
  return { lossRatio: (impairment.lossPct ?? 0) / 100, addedDelayMs: impairment.delayMs ?? 0 };
}

function hashOf(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}
