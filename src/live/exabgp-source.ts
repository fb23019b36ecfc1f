/**
 * `exabgp:FILE` as a TopologySource: the engineer's neighbor configuration plus pathmon's feed, run as a
 * supervised child process, its JSON applied to the graph as it arrives. The pieces live in their own
 * files (configuration, forwarder, process, supervisor, feed); this one wires them, keeps the status an
 * operator asks for, and logs skipped lines with their first 200 characters.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { processLogger } from '../log/index.js';
import { join } from 'node:path';
import { TopologyGraph, type ExabgpSkippedLine } from '../../topology/index.js';
import { buildExabgpConfig, type ExabgpConfig } from './exabgp-config.js';
import { ExabgpFeed } from './exabgp-feed.js';
import { writeForwarder } from './exabgp-forwarder.js';
import { createExabgpWorkDir } from './work-dir.js';
import { realExabgpLauncher, type ExabgpLauncher } from './exabgp-process.js';
import { ExabgpSupervisor, type SupervisorOptions } from './exabgp-supervisor.js';
import { TopologySourceError } from './errors.js';
import { systemTimers, type LiveTimers } from './timers.js';
import type { TopologyChange, TopologySource, TopologySourceStatus } from './topology-source.js';

export interface ExabgpSourceOptions {
  /** Default `exabgp` on PATH. */
  exabgpCommand?: string;
  /** Also start ExaBGP under `setpriv --pdeathsig KILL`. Default true. */
  pdeathsig?: boolean;
  launcher?: ExabgpLauncher;
  timers?: LiveTimers;
  /** Where diagnostics go (skipped lines, restarts, config notes). Default: stderr, prefixed `pathmon: exabgp: `. */
  log?: (message: string) => void;
  /** Silence allowed with a session up. Default: the largest neighbor hold time, plus 5 s. */
  silenceMs?: number;
  supervisor?: Pick<SupervisorOptions, 'checkIntervalMs' | 'spinCpuFraction' | 'spinMs' | 'backoffInitialMs' | 'backoffMaxMs' | 'stableMs' | 'cpuSeconds'>;
  /** Where the generated config and forwarder go; a fresh temporary directory by default, removed on close. */
  workDir?: string;
}

const KEEP_LOG_LINES = 20;

export class ExabgpTopologySource implements TopologySource {
  readonly graph = new TopologyGraph();
  readonly config: ExabgpConfig;
  readonly configPath: string;
  private readonly feed: ExabgpFeed;
  private readonly supervisor: ExabgpSupervisor;
  private readonly timers: LiveTimers;
  private readonly log: (message: string) => void;
  private readonly listeners = new Set<(change: TopologyChange) => void>();
  private readonly readyWaiters = new Set<() => void>();
  private readonly ownWorkDir: boolean;
  private readonly workDir: string;
  private readonly logTail: string[] = [];
  private logBuffer = '';
  private closed = false;

  /** @throws TopologySourceError `unreadable` or `bad-exabgp-config`. Does not start ExaBGP: call start(). */
  constructor(
    readonly file: string,
    options: ExabgpSourceOptions = {},
  ) {
    const spec = `exabgp:${file}`;
    let userText: string;
    try {
      userText = readFileSync(file, 'utf8');
    } catch (error) {
      throw new TopologySourceError(
        'unreadable',
        `live.openTopologySource: cannot read ExaBGP configuration ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; expected your ExaBGP neighbor configuration`,
        spec,
      );
    }
    this.timers = options.timers ?? systemTimers;
    this.log = options.log ?? ((message) => processLogger().child({ component: 'exabgp' }).info(message));
    this.ownWorkDir = options.workDir === undefined;
    this.workDir = options.workDir ?? createExabgpWorkDir();
    try {
      const forwarderRun = writeForwarder(this.workDir);
      this.config = buildExabgpConfig(userText, file, forwarderRun);
      this.configPath = join(this.workDir, 'exabgp.conf');
      writeFileSync(this.configPath, this.config.text);
    } catch (error) {
      if (this.ownWorkDir) rmSync(this.workDir, { recursive: true, force: true });
      throw error;
    }
    for (const note of this.config.notes) this.log(note);

    this.feed = new ExabgpFeed(this.graph, {
      nowMs: () => this.timers.nowMs(),
      nowNs: () => this.timers.nowNs(),
      onSkipped: (skipped) => this.skipped(skipped),
      onRefused: (message) => this.log(`ignored an event: ${message.slice(0, 200)}`),
    });
    const holdS = Math.max(...this.config.neighbors.map((n) => n.holdTimeS));
    // Hold time 0 means no keepalives at all: silence then says nothing, so it is not watched.
    const silenceMs = options.silenceMs ?? (holdS === 0 ? Number.POSITIVE_INFINITY : holdS * 1000 + 5000);
    this.supervisor = new ExabgpSupervisor(
      {
        ...options.supervisor,
        launcher:
          options.launcher ?? realExabgpLauncher({ ...(options.exabgpCommand && { command: options.exabgpCommand }), ...(options.pdeathsig !== undefined && { pdeathsig: options.pdeathsig }) }),
        configPath: this.configPath,
        timers: this.timers,
        silenceMs,
      },
      {
        onJson: (chunk) => this.emit(this.feed.push(chunk, this.timers.nowNs())),
        onLog: (chunk) => this.exabgpLog(chunk),
        onDown: (reason, restartInMs) => {
          if (restartInMs !== null) this.log(`exabgp (pid ${this.lastPid ?? '?'}) ${reason}; restarting in ${restartInMs} ms; the topology is kept, marked stale`);
          this.emit(this.feed.processDown(`exabgp ${reason}`));
        },
        onStart: (pid) => {
          this.lastPid = pid ?? null;
        },
        expectingOutput: () => this.feed.sessionUp(),
      },
    );
  }

  private lastPid: number | null = null;

  /** Starts ExaBGP (once). */
  start(): void {
    this.supervisor.start();
  }

  status(): TopologySourceStatus {
    const counters = this.feed.parser.counters();
    const now = this.timers.nowMs();
    const freshness = this.feed.freshness();
    const staleSinceMs = freshness === 'stale' ? this.feed.staleSinceMs : null;
    return {
      spec: `exabgp:${this.file}`,
      freshness,
      sessionUp: this.feed.sessionUp(),
      staleSinceMs,
      staleAgeMs: staleSinceMs === null ? null : now - staleSinceMs,
      lastChangeMs: this.feed.lastChangeMs,
      skippedLines: counters.skipped,
      skippedByReason: counters.skippedByReason,
      ignoredByField: counters.ignoredByField,
      lastSkipped: counters.lastSkipped,
      restarts: this.supervisor.restarts,
      lastRestartReason: this.supervisor.lastRestartReason,
      exabgpPid: this.supervisor.pid,
      peersUp: this.feed.peersUp(),
      nodes: this.graph.graph.order,
      links: this.graph.graph.size,
    };
  }

  /** ExaBGP's own most recent log lines, for error messages. */
  exabgpLogTail(): string[] {
    return [...this.logTail];
  }

  ready(waitMs: number): Promise<void> {
    if (this.feed.freshness() === 'live') return Promise.resolve();
    if (this.closed) return Promise.reject(new TopologySourceError('closed', `live.ready: exabgp:${this.file} is closed`, `exabgp:${this.file}`));
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.timers.clearTimeout(timer);
        this.readyWaiters.delete(done);
        resolve();
      };
      const timer = this.timers.setTimeout(() => {
        this.readyWaiters.delete(done);
        reject(this.notReadyError(waitMs));
      }, waitMs);
      this.readyWaiters.add(done);
    });
  }

  onChange(listener: (change: TopologyChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.supervisor.close();
    this.listeners.clear();
    if (this.ownWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }

  private emit(change: TopologyChange | null): void {
    if (change === null) return;
    for (const listener of [...this.listeners]) listener(change);
    if (this.feed.freshness() === 'live') for (const done of [...this.readyWaiters]) done();
  }

  private skipped(skipped: ExabgpSkippedLine): void {
    this.log(`skipped line ${skipped.line} (${skipped.reason}): ${skipped.excerpt}`);
  }

  private exabgpLog(chunk: Buffer): void {
    const lines = (this.logBuffer + chunk.toString('utf8')).split('\n');
    this.logBuffer = (lines.pop() ?? '').slice(-2000);
    for (const line of lines) {
      if (line.trim() === '') continue;
      this.logTail.push(line.slice(0, 300));
      if (this.logTail.length > KEEP_LOG_LINES) this.logTail.shift();
    }
  }

  private notReadyError(waitMs: number): TopologySourceError {
    const s = this.status();
    const session = s.sessionUp ? `session up with ${s.peersUp!.join(', ')} but no End-of-RIB` : `no session up (neighbors: ${this.config.neighbors.map((n) => n.peer).join(', ')})`;
    const tail = this.logTail
      .slice(-3)
      .map((line) => `\n  exabgp: ${line}`)
      .join('');
    return new TopologySourceError(
      'not-ready',
      `pathmon: exabgp:${this.file} did not converge within ${waitMs} ms: ${session}; ${s.nodes} nodes, ${s.links} links so far, ${s.skippedLines} skipped lines, ${s.restarts} restarts${s.lastRestartReason ? ` (last: ${s.lastRestartReason})` : ''}; raise --wait-ms or check the session${tail}`,
      `exabgp:${this.file}`,
    );
  }
}
