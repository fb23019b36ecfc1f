/**
 * ExaBGP's JSON stream applied to a graph: lines in, changes out, plus what the feed says about itself
 * (which sessions are up, whether End-of-RIB came, since when the graph is stale).
 *
 * A session that goes down keeps the graph: it is marked stale with its age, because a BGP reset says
 * nothing about the fabric. When the session comes back, the peer sends its whole RIB again; whatever
 * that peer had announced before and does not announce again before its End-of-RIB is removed then
 * (the mark-and-sweep of BGP graceful restart), so links withdrawn while the session was down do not
 * linger. Lines are split here rather than by ExabgpStreamParser.push because each line's peer and
 * ExaBGP print time are needed; each line is still parsed by the stream parser, which counts skips.
 */
import { ExabgpStreamParser, TopologyError, type ExabgpSkippedLine, type TopologyEvent, type TopologyGraph } from '../../topology/index.js';
import { applyWithChanges, type GraphChange } from './graph-changes.js';
import type { TopologyChange, TopologyFreshness } from './topology-source.js';

interface PeerState {
  up: boolean;
  endOfRib: boolean;
  epoch: number;
}

export interface FeedOptions {
  onSkipped?: (skipped: ExabgpSkippedLine) => void;
  /** An event the graph refused (a reserved node id): counted in `refusedEvents` and reported here. */
  onRefused?: (message: string) => void;
  nowMs: () => number;
  nowNs: () => bigint;
  maxLineChars?: number;
}

const PEER_RE = /"peer"\s*:\s*"([^"]{1,100})"/;
const TIME_RE = /^\{\s*"exabgp"\s*:\s*"[^"]*"\s*,\s*"time"\s*:\s*([0-9]+(?:\.[0-9]+)?)/;

export class ExabgpFeed {
  readonly parser: ExabgpStreamParser;
  private readonly peers = new Map<string, PeerState>();
  /** Which peer last announced each node (`n`) or link (`l`), and in which of its sessions. */
  private readonly announcedBy = new Map<string, { peer: string; epoch: number }>();
  private buffer = '';
  private discarding = false;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxLineChars: number;
  private everLive = false;
  staleSinceMs: number | null = null;
  lastChangeMs: number | null = null;
  refusedEvents = 0;

  constructor(
    readonly graph: TopologyGraph,
    private readonly options: FeedOptions,
  ) {
    this.maxLineChars = options.maxLineChars ?? 1_000_000;
    this.parser = new ExabgpStreamParser({ maxLineChars: this.maxLineChars, ...(options.onSkipped && { onSkipped: options.onSkipped }) });
  }

  /** Applies a chunk of ExaBGP output; returns the change it made (null when it changed nothing). */
  push(chunk: string | Uint8Array, receivedAtNs = this.options.nowNs()): TopologyChange | null {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const events: TopologyEvent[] = [];
    const changes: GraphChange[] = [];
    let exabgpTimeMs: number | null = null;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.discarding = false;
        this.buffer = '';
        continue;
      }
      const line = this.buffer + piece;
      this.buffer = '';
      const time = this.line(line, events, changes);
      exabgpTimeMs ??= time;
    }
    if (!this.discarding) {
      this.buffer += text.slice(start);
      if (this.buffer.length > this.maxLineChars) {
        this.parser.line(this.buffer); // counted and logged as `line too long` by the parser
        this.buffer = '';
        this.discarding = true;
      }
    }
    return this.changeOf(events, changes, receivedAtNs, exabgpTimeMs);
  }

  /** ExaBGP ended: every session is down, the graph is kept and goes stale. */
  processDown(reason: string): TopologyChange | null {
    const events: TopologyEvent[] = [];
    const changes: GraphChange[] = [];
    for (const [peer, state] of this.peers) {
      if (!state.up && !state.endOfRib) continue;
      this.applyOne({ kind: 'session', peer, state: 'down', reason }, peer, events, changes);
    }
    this.buffer = '';
    this.discarding = false;
    this.updateStale();
    return this.changeOf(events, changes, this.options.nowNs(), null);
  }

  freshness(): TopologyFreshness {
    if (this.isLive()) return 'live';
    return this.everLive ? 'stale' : 'converging';
  }

  peersUp(): string[] {
    return [...this.peers].filter(([, state]) => state.up).map(([peer]) => peer);
  }

  sessionUp(): boolean {
    return this.peersUp().length > 0;
  }

  private isLive(): boolean {
    // Live when some session is up and every session that is up has finished its initial RIB.
    const up = [...this.peers.values()].filter((state) => state.up);
    return up.length > 0 && up.every((state) => state.endOfRib);
  }

  private line(line: string, events: TopologyEvent[], changes: GraphChange[]): number | null {
    const parsed = this.parser.line(line);
    if (parsed.length === 0) return null;
    const peer = PEER_RE.exec(line.slice(0, 4000))?.[1] ?? '*';
    for (const event of parsed) this.applyOne(event, peer, events, changes);
    const time = TIME_RE.exec(line)?.[1];
    return time === undefined ? null : Number(time) * 1000;
  }

  private applyOne(event: TopologyEvent, linePeer: string, events: TopologyEvent[], changes: GraphChange[]): void {
    if (event.kind === 'session' && event.peer === '*') {
      // ExaBGP shutting down speaks for all its sessions. A peer the feed itself named "*" is not
      // expanded again (that recursed without end: found by the fuzz test, kept as a fixture).
      for (const peer of this.peers.keys()) if (peer !== '*') this.applyOne({ ...event, peer }, peer, events, changes);
      return;
    }
    try {
      changes.push(...applyWithChanges(this.graph, event));
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      this.refusedEvents++;
      this.options.onRefused?.(error.message);
      return;
    }
    events.push(event);
    switch (event.kind) {
      case 'session': {
        const state = this.peerState(event.peer);
        if (event.state === 'up') {
          state.up = true;
          state.endOfRib = false;
          state.epoch++;
        } else if (event.state === 'down') {
          state.up = false;
          state.endOfRib = false;
        }
        break;
      }
      case 'end-of-rib': {
        const state = this.peerState(event.peer);
        state.endOfRib = true;
        this.sweep(event.peer, state.epoch, events, changes);
        break;
      }
      case 'node-up':
        this.announcedBy.set(`n\u0000${event.node.id}`, { peer: linePeer, epoch: this.peerState(linePeer).epoch });
        break;
      case 'link-up':
        this.announcedBy.set(`l\u0000${event.link.key}`, { peer: linePeer, epoch: this.peerState(linePeer).epoch });
        break;
      case 'node-down':
        this.announcedBy.delete(`n\u0000${event.nodeId}`);
        break;
      case 'link-down':
        this.announcedBy.delete(`l\u0000${event.linkKey}`);
        break;
      default:
        break;
    }
    this.updateStale();
  }

  /** Removes what `peer` announced in an earlier session and did not announce again before End-of-RIB. */
  private sweep(peer: string, epoch: number, events: TopologyEvent[], changes: GraphChange[]): void {
    const links: string[] = [];
    const nodes: string[] = [];
    for (const [key, owner] of this.announcedBy) {
      if (owner.peer !== peer || owner.epoch >= epoch) continue;
      if (key.startsWith('l')) links.push(key.slice(2));
      else nodes.push(key.slice(2));
    }
    for (const linkKey of links) this.applyOne({ kind: 'link-down', linkKey }, peer, events, changes);
    for (const nodeId of nodes) this.applyOne({ kind: 'node-down', nodeId }, peer, events, changes);
  }

  private peerState(peer: string): PeerState {
    let state = this.peers.get(peer);
    if (!state) this.peers.set(peer, (state = { up: false, endOfRib: false, epoch: 0 }));
    return state;
  }

  private updateStale(): void {
    if (this.isLive()) {
      this.everLive = true;
      this.staleSinceMs = null;
    } else if (this.everLive && this.staleSinceMs === null) {
      this.staleSinceMs = this.options.nowMs();
    }
  }

  private changeOf(events: TopologyEvent[], changes: GraphChange[], receivedAtNs: bigint, exabgpTimeMs: number | null): TopologyChange | null {
    if (events.length === 0) return null;
    if (changes.length > 0) this.lastChangeMs = this.options.nowMs();
    return { events, changes, receivedAtNs, exabgpTimeMs };
  }
}
