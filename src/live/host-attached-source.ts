/**
 * A TopologySource with configured hosts attached: the same graph as the source it wraps, plus the
 * hosts, re-attached after every batch so that a withdrawn router or prefix takes its hosts' links (and
 * paths) with it and an announce brings them back. Listeners get the source's change with the host
 * events and changes appended, so a re-planner sees a host link come and go like any router link.
 *
 * Wrapping rather than teaching each source about hosts keeps the rule in one place for files and
 * ExaBGP alike: a file's graph gets the hosts once, a feed's after each line that could move them.
 */
import type { HostDeclaration } from '../../topology/index.js';
import { processLogger } from '../log/index.js';
import { TopologySourceError } from './errors.js';
import { HostAttacher, type HostStatus } from './host-attacher.js';
import type { TopologyChange, TopologySource, TopologySourceStatus } from './topology-source.js';

export interface HostAttachedOptions {
  /** Where host attach/detach lines go. Default: stderr, prefixed `pathmon: hosts: `. */
  log?: (message: string) => void;
  /** Close the wrapped source on close(). Default true; false when the wrapper only borrows it. */
  closeInner?: boolean;
}

export class HostAttachedSource implements TopologySource {
  readonly attacher: HostAttacher;
  private readonly listeners = new Set<(change: TopologyChange) => void>();
  private readonly log: (message: string) => void;
  private readonly unsubscribe: () => void;
  private closed = false;

  /** @throws TopologySourceError `bad-host` for a bad declaration. */
  constructor(
    readonly inner: TopologySource,
    hosts: readonly HostDeclaration[],
    private readonly options: HostAttachedOptions = {},
  ) {
    this.attacher = new HostAttacher(hosts);
    this.log = options.log ?? ((message) => processLogger().child({ component: 'hosts' }).info(message));
    this.unsubscribe = inner.onChange((change) => this.changed(change));
    // A file is complete already, a feed may have lines in: attach what can be attached now.
    this.reconcile();
  }

  get graph() {
    return this.inner.graph;
  }

  status(): TopologySourceStatus {
    const status = this.inner.status();
    return { ...status, nodes: this.graph.graph.order, links: this.graph.graph.size, hosts: this.attacher.status() };
  }

  hostStatus(): HostStatus[] {
    return this.attacher.status();
  }

  /**
   * The wrapped source's readiness, then the hosts attached as far as they can be.
   * @throws TopologySourceError `host-clash` when a host's name belongs to another node.
   */
  async ready(waitMs: number): Promise<void> {
    await this.inner.ready(waitMs);
    const change = this.reconcile();
    if (change) this.emit(change);
    this.throwOnClash();
  }

  /** @throws TopologySourceError `host-clash` when a host's name belongs to another node. */
  throwOnClash(): void {
    const clashes = this.attacher.clashes();
    if (clashes.length === 0) return;
    throw new TopologySourceError('host-clash', `live.HostAttachedSource: ${clashes.map((c) => `host ${c.name}: ${c.reason}`).join('; ')}`, this.inner.status().spec);
  }

  onChange(listener: (change: TopologyChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.listeners.clear();
    if (this.options.closeInner !== false) await this.inner.close();
  }

  private changed(change: TopologyChange): void {
    const hosts = this.reconcile(change.receivedAtNs);
    if (!hosts) {
      this.emit(change);
      return;
    }
    this.emit({
      ...change,
      events: [...change.events, ...hosts.events],
      ...(change.changes !== undefined && { changes: [...change.changes, ...(hosts.changes ?? [])] }),
    });
  }

  /** Attaches what can be attached now; a change describing it, or null when nothing changed. */
  private reconcile(receivedAtNs: bigint = process.hrtime.bigint()): TopologyChange | null {
    const result = this.attacher.reconcile(this.graph);
    for (const note of result.notes) this.log(note);
    if (result.events.length === 0) return null;
    return { events: result.events, changes: result.changes, receivedAtNs };
  }

  private emit(change: TopologyChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}
