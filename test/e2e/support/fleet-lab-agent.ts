/**
 * One fleet agent of the lab e2e: a real `pathmon run` started as `ip netns exec NS node cli.js run`
 * (ip execs the command, so the child's pid is pathmon's own and SIGKILL reaches it, as on a host).
 * Each agent has its own config file, data directory (spill) and log; restarting one reuses its config,
 * so it comes back with the same `fleet.agentId`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/repo-root.js';

export interface FleetLabAgentSpec {
  agentId: string;
  /** The lab host it stands on (its namespace and `prober.node`). */
  node: string;
  namespace: string;
  /** The whole monitor config (YAML). */
  config: string;
}

export class FleetLabAgent {
  log = '';
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  readonly configFile: string;
  private readonly dataDir: string;

  constructor(
    readonly spec: FleetLabAgentSpec,
    dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.configFile = join(dir, `${spec.agentId}.yaml`);
    this.dataDir = join(dir, `${spec.agentId}-data`);
    mkdirSync(this.dataDir, { recursive: true });
    writeFileSync(this.configFile, spec.config);
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`test.FleetLabAgent.start: ${this.spec.agentId} is already running`);
    this.log += `--- start ${new Date().toISOString()} ---\n`;
    const child = spawn('ip', ['netns', 'exec', this.spec.namespace, process.execPath, cliPath, 'run', '--config', this.configFile, '--data-dir', this.dataDir], {
      cwd: repoRoot,
      env: this.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Fails with the agent's log when it has exited (used inside waits). */
  assertAlive(): void {
    if (this.child && !this.running) throw new Error(`agent ${this.spec.agentId} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.log}`);
  }

  /** SIGKILL: nothing is released, the fleet must notice by the hold time. */
  async kill(): Promise<void> {
    if (!this.child || !this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
