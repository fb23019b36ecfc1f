/**
 * The throughput bench's network: two namespaces made for this run only (prober and responder, one
 * veth pair, a /31 between them), the C tools built with `cc` for this run, and helpers to run
 * commands inside. Only addresses inside these namespaces are ever sent to. `destroy` removes
 * everything and is called from a finally, so a failed run leaves no namespace behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { repoRoot } from '../../helpers/repo-root.js';

export const PROBER_ADDRESS = '10.250.0.0';
export const RESPONDER_ADDRESS = '10.250.0.1';

export interface BenchNet {
  prober: string;
  responder: string;
  tools: { sendtoLoop: string; responder: string };
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createBenchNet(): BenchNet {
  const tag = `pmb${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const prober = `${tag}p`;
  const responder = `${tag}r`;
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-bench-'));
  const destroy = () => {
    for (const ns of [prober, responder]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // not created
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const build = (name: string) => {
      const out = join(dir, name);
      execFileSync('cc', ['-O2', '-Wall', '-o', out, join(repoRoot, 'test', 'bench', 'engine', `${name}.c`)], { stdio: ['ignore', 'ignore', 'pipe'] });
      return out;
    };
    const tools = { sendtoLoop: build('sendto-loop'), responder: build('gre-responder') };
    ip('netns', 'add', prober);
    ip('netns', 'add', responder);
    ip('link', 'add', 'pmb0', 'netns', prober, 'type', 'veth', 'peer', 'name', 'pmb1', 'netns', responder);
    ip('-n', prober, 'addr', 'add', `${PROBER_ADDRESS}/31`, 'dev', 'pmb0');
    ip('-n', responder, 'addr', 'add', `${RESPONDER_ADDRESS}/31`, 'dev', 'pmb1');
    for (const [ns, dev] of [
      [prober, 'pmb0'],
      [responder, 'pmb1'],
    ] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    // Returning probes carry the prober's own address as source.
    execFileSync('ip', [
      'netns',
      'exec',
      prober,
      'sysctl',
      '-qw',
      'net.ipv4.conf.all.accept_local=1',
      'net.ipv4.conf.pmb0.accept_local=1',
      'net.ipv4.conf.all.rp_filter=0',
      'net.ipv4.conf.pmb0.rp_filter=0',
    ]);
    return { prober, responder, tools, destroy };
  } catch (error) {
    destroy();
    throw error;
  }
}

/** Runs a command in a namespace and returns its stdout. */
export function inNs(ns: string, command: string, args: string[], timeoutMs = 120_000): string {
  return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a probe-child job in a namespace; returns its JSON result. */
export function probeChild<T>(ns: string, job: object, timeoutMs = 120_000): T {
  const child = join(repoRoot, 'dist', 'test', 'bench', 'engine', 'probe-child.js');
  const out = inNs(ns, process.execPath, [child, JSON.stringify(job)], timeoutMs);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** Starts the C responder in the responder namespace; resolves once it listens. */
export async function startResponder(net: BenchNet): Promise<{ stop(): Promise<{ received: number; forwarded: number; malformed: number }> }> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', net.responder, net.tools.responder], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (out.includes('ready')) {
        clearInterval(check);
        resolve();
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`bench.startResponder: gre-responder exited with ${code} before it was ready`));
    });
  });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => {
          const [received, forwarded, malformed] = out.trim().split('\n').pop()!.split(' ').map(Number);
          resolve({ received: received!, forwarded: forwarded!, malformed: malformed! });
        });
        child.kill('SIGTERM');
      }),
  };
}
