/**
 * Keeps one ExaBGP running and honest. ExaBGP 4.2's BGP-LS decoder has faults:
 * it can exit, reset sessions, or spin forever at 100% CPU ignoring SIGTERM (the MT-ID TLV). So:
 * - exit, for whatever reason: restart after a backoff that doubles per quick failure (500 ms up to
 *   30 s) and resets once a run has lasted `stableMs`;
 * - a CPU spin (at least `spinCpuFraction` of a core, 0.2 by default, with no output at all for `spinMs`) or silence
 *   past the hold time while a session is up (keepalives stopped coming): SIGKILL, then restart;
 * - close(): SIGTERM, SIGKILL after 2 s, and wait for the exit.
 * Clock and timers are injected, and so is the launcher, so every rule is unit tested without sleeping.
 */
import type { LiveTimers } from './timers.js';
import { processCpuSeconds, type ExabgpLauncher, type LaunchedExabgp } from './exabgp-process.js';

export interface SupervisorOptions {
  launcher: ExabgpLauncher;
  configPath: string;
  timers: LiveTimers;
  /** Longest silence allowed while `expectingOutput()` says a session is up. */
  silenceMs: number;
  /** How often CPU and silence are checked. Default 1000 ms. */
  checkIntervalMs?: number;
  /** Default 0.2 of a core: an idle ExaBGP uses ~0, and on a shared machine a spinning one may get only a third of a core (measured). */
  spinCpuFraction?: number;
  /** Default 10,000 ms. */
  spinMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  stableMs?: number;
  /** CPU seconds of a pid, null when gone; /proc by default. */
  cpuSeconds?: (pid: number) => number | null;
}

export interface SupervisorEvents {
  /** Called with each chunk of ExaBGP's stderr (the JSON the forwarder copies) of the current run. */
  onJson(chunk: Buffer): void;
  /** Called with each chunk of ExaBGP's own log (stdout). */
  onLog(chunk: Buffer): void;
  /** ExaBGP ended (exit, signal, kill, failure to start); `restartInMs` null when closing. */
  onDown(reason: string, restartInMs: number | null): void;
  /** A new ExaBGP was started. */
  onStart(pid: number | undefined, restarts: number): void;
  /** True while a session is up, i.e. keepalives are due. */
  expectingOutput(): boolean;
}

export class ExabgpSupervisor {
  private child: LaunchedExabgp | null = null;
  private generation = 0;
  private startedAtMs = 0;
  private lastOutputMs = 0;
  private lastCpu: { atMs: number; seconds: number } | null = null;
  private highCpuSinceMs: number | null = null;
  private killReason: string | null = null;
  private quickFailures = 0;
  private checkTimer: unknown = null;
  private restartTimer: unknown = null;
  private closing: Promise<void> | null = null;
  private exited: (() => void) | null = null;
  restarts = 0;
  lastRestartReason: string | null = null;

  private readonly checkIntervalMs: number;
  private readonly spinCpuFraction: number;
  private readonly spinMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly stableMs: number;
  private readonly cpuSeconds: (pid: number) => number | null;

  constructor(
    private readonly options: SupervisorOptions,
    private readonly events: SupervisorEvents,
  ) {
    this.checkIntervalMs = options.checkIntervalMs ?? 1000;
    this.spinCpuFraction = options.spinCpuFraction ?? 0.2;
    this.spinMs = options.spinMs ?? 10_000;
    this.backoffInitialMs = options.backoffInitialMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.stableMs = options.stableMs ?? 60_000;
    this.cpuSeconds = options.cpuSeconds ?? processCpuSeconds;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    if (this.closing) return;
    this.restartTimer = null;
    const generation = ++this.generation;
    let child: LaunchedExabgp;
    try {
      child = this.options.launcher(this.options.configPath);
    } catch (error) {
      this.ended(generation, `cannot start exabgp: ${(error as Error).message}`);
      return;
    }
    this.child = child;
    const now = this.options.timers.nowMs();
    this.startedAtMs = now;
    this.lastOutputMs = now;
    this.lastCpu = null;
    this.highCpuSinceMs = null;
    this.killReason = null;
    child.stderr?.on('data', (chunk: Buffer) => {
      if (generation !== this.generation) return; // a dead run's forwarder flushing late
      this.lastOutputMs = this.options.timers.nowMs();
      this.events.onJson(chunk);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (generation !== this.generation) return;
      this.lastOutputMs = this.options.timers.nowMs();
      this.events.onLog(chunk);
    });
    child.once('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      const hint = code === 'ENOENT' ? " (is Debian's exabgp installed? apt-get install exabgp)" : '';
      this.ended(generation, `cannot start exabgp: ${code ?? error.message}${hint}`);
    });
    child.once('exit', (code, signal) => {
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.ended(generation, this.killReason ? `${this.killReason} (${how})` : how);
    });
    this.events.onStart(child.pid, this.restarts);
    this.scheduleCheck();
  }

  /** Stops ExaBGP for good: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  close(graceMs = 2000): Promise<void> {
    if (this.closing) return this.closing;
    const timers = this.options.timers;
    if (this.restartTimer !== null) timers.clearTimeout(this.restartTimer);
    if (this.checkTimer !== null) timers.clearTimeout(this.checkTimer);
    this.restartTimer = this.checkTimer = null;
    const child = this.child;
    this.closing = new Promise<void>((resolve) => {
      if (!child) return resolve();
      this.exited = resolve;
      child.kill('SIGTERM');
      const kill = timers.setTimeout(() => child.kill('SIGKILL'), graceMs);
      const done = this.exited;
      this.exited = () => {
        timers.clearTimeout(kill);
        done();
      };
    });
    return this.closing;
  }

  /** Kills the running ExaBGP with SIGKILL; it is restarted like any exit. */
  kill(reason: string): void {
    if (!this.child || this.killReason) return;
    this.killReason = reason;
    this.child.kill('SIGKILL');
  }

  private ended(generation: number, reason: string): void {
    if (generation !== this.generation) return; // 'error' and 'exit' of one run: handle once
    this.generation++; // late output of this run is ignored from now on
    this.child = null;
    const timers = this.options.timers;
    if (this.checkTimer !== null) timers.clearTimeout(this.checkTimer);
    this.checkTimer = null;
    if (this.closing) {
      this.events.onDown(reason, null);
      this.exited?.();
      return;
    }
    const ranMs = timers.nowMs() - this.startedAtMs;
    this.quickFailures = ranMs >= this.stableMs ? 0 : this.quickFailures + 1;
    const delayMs = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** Math.max(0, this.quickFailures - 1));
    this.restarts++;
    this.lastRestartReason = reason;
    this.events.onDown(reason, delayMs);
    this.restartTimer = timers.setTimeout(() => this.start(), delayMs);
  }

  private scheduleCheck(): void {
    this.checkTimer = this.options.timers.setTimeout(() => {
      this.checkTimer = null;
      this.check();
      if (this.child && !this.closing && this.checkTimer === null) this.scheduleCheck();
    }, this.checkIntervalMs);
  }

  private check(): void {
    const child = this.child;
    if (!child || this.killReason) return;
    const now = this.options.timers.nowMs();
    const quietMs = now - this.lastOutputMs;
    if (child.pid !== undefined) {
      const seconds = this.cpuSeconds(child.pid);
      if (seconds !== null && this.lastCpu !== null && now > this.lastCpu.atMs) {
        const fraction = (seconds - this.lastCpu.seconds) / ((now - this.lastCpu.atMs) / 1000);
        if (fraction >= this.spinCpuFraction) this.highCpuSinceMs ??= this.lastCpu.atMs;
        else this.highCpuSinceMs = null;
      }
      if (seconds !== null) this.lastCpu = { atMs: now, seconds };
    }
    if (this.highCpuSinceMs !== null && now - this.highCpuSinceMs >= this.spinMs && quietMs >= this.spinMs) {
      this.kill(`cpu spin: busy for ${Math.round((now - this.highCpuSinceMs) / 1000)} s with no output (the MT-ID decoder hang?)`);
      return;
    }
    if (this.events.expectingOutput() && quietMs >= this.options.silenceMs) {
      this.kill(`silent for ${Math.round(quietMs / 1000)} s with a session up, past the hold time`);
    }
  }
}
