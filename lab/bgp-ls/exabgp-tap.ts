/**
 * A plain ExaBGP in the prober's namespace, printing the lab's BGP-LS feed as ExaBGP's JSON lines: the
 * chain's far end without pathmon, for tests and the benchmark, and for a person checking the feed.
 *
 * The API process is a one-line shell forwarder, `cat 3>&1 1>&2`: ExaBGP writes JSON to its stdin and it
 * copies that to ExaBGP's stderr (our pipe). Its stdout must stay open, or ExaBGP takes the helper for
 * dead (shared/BGPLS-LAB.md), so fd 3 keeps it. ExaBGP runs in its own process group, killed whole by
 * `close()`; `lab down` would kill it too, as it runs in a lab namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BgpLsPlan } from './bgp-ls-plan.js';
import { exabgpConf } from './daemon-configs.js';

export interface TapLine {
  /** Wall clock when the line reached this process, epoch ms. */
  receivedAtMs: number;
  text: string;
  /** The parsed line, or undefined when ExaBGP printed something that is not JSON. */
  doc: Record<string, unknown> | undefined;
}

const EXABGP_ENV = {
  'exabgp.daemon.user': 'root',
  'exabgp.daemon.daemonize': 'false',
  'exabgp.api.cli': 'false',
  'exabgp.log.destination': 'stdout',
  'exabgp.log.level': 'WARNING',
};

export class ExabgpTap {
  readonly lines: TapLine[] = [];
  private readonly child: ChildProcess;
  private readonly dir: string;
  private readonly waiters = new Set<() => void>();
  private partial = '';
  private log = '';

  constructor(bgp: BgpLsPlan) {
    this.dir = mkdtempSync(join(tmpdir(), 'pathmon-tap-'));
    const forwarder = join(this.dir, 'forward.sh');
    writeFileSync(forwarder, '#!/bin/sh\nexec cat 3>&1 1>&2\n');
    chmodSync(forwarder, 0o755);
    const conf = join(this.dir, 'exabgp.conf');
    writeFileSync(conf, exabgpConf(bgp, forwarder));
    this.child = spawn('ip', ['netns', 'exec', bgp.proberNamespace, 'exabgp', conf], {
      cwd: this.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...EXABGP_ENV },
    });
    this.child.stdout!.on('data', (data: Buffer) => (this.log = (this.log + data.toString()).slice(-4000)));
    this.child.stderr!.on('data', (data: Buffer) => this.receive(data.toString()));
    this.child.on('exit', () => this.wake());
  }

  /** The first line from index `from` on that `match` accepts; rejects after `timeoutMs` naming `what`. */
  async waitFor(match: (line: TapLine) => boolean, timeoutMs: number, what: string, from = 0): Promise<TapLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`lab.ExabgpTap: ExaBGP exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}; its log ends:\n${this.log.slice(-1500)}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`lab.ExabgpTap: no ${what} within ${timeoutMs} ms (${this.lines.length} lines so far); ExaBGP's log ends:\n${this.log.slice(-1500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 1_000));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  close(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private receive(text: string): void {
    const now = performance.timeOrigin + performance.now();
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const part of parts) {
      if (part.trim() === '') continue;
      let doc: Record<string, unknown> | undefined;
      try {
        doc = JSON.parse(part) as Record<string, unknown>;
      } catch {
        doc = undefined;
      }
      this.lines.push({ receivedAtMs: now, text: part, doc });
    }
    this.wake();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}
