/**
 * Plain IP in the nanog76 lab, with the kernel's own tools: the routers forward ICMP and TCP between
 * every lab node along the lab's routes, and `lab impair` acts on those packets as it does on GRE
 * probes. Routes here (metric 1 everywhere): dev1 reaches dev2 and R4's address on R4–R6 over
 * R1→R2→R4, and R5's address on R2–R5 over R1→R2, so a delay on R2→R4 must show on the first two and
 * not on the third; the reverse direction R4→R2 carries only the replies.
 *
 * Minimum RTTs are compared, as in the other lab tests: queueing on a shared machine only ever adds
 * to an RTT, so the minimum is the estimate CPU contention cannot inflate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlTopology } from '../../topology/index.js';
import { runCli, uniqueLabName } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';

const lab = uniqueLabName();
const topology = 'lab/topologies/nanog76.yaml';
const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces)' : false;
const spec = parseYamlTopology(readFileSync(join(repoRoot, topology), 'utf8'), topology).spec;

/** The address `node` has on its link to `peer`, from the topology file. */
function addressOf(node: string, peer: string): string {
  const link = spec.links.find((candidate) => (candidate.a === node && candidate.b === peer) || (candidate.a === peer && candidate.b === node));
  assert.ok(link, `${topology} links ${node} and ${peer}`);
  return (link.a === node ? link.aAddress : link.bAddress).split('/')[0]!;
}

const targets = {
  dev2: addressOf('dev2', 'R6'),
  /** Behind R2→R4 (R4's address on R4–R6). */
  r4: addressOf('R4', 'R6'),
  /** Not behind R2→R4 (R5's address on R2–R5). */
  r5: addressOf('R5', 'R2'),
};
const dev1 = addressOf('dev1', 'R1');

interface PingResult {
  sent: number;
  received: number;
  minMs: number;
}

function ping(from: string, address: string, count = 20): PingResult {
  const run = spawnSync('ip', ['netns', 'exec', `${lab}.${from}`, 'ping', '-n', '-c', String(count), '-i', '0.02', '-W', '1', address], { encoding: 'utf8', timeout: 30_000 });
  assert.ok(!/exec of "ping" failed/.test(run.stderr), 'ping is missing; expected iputils-ping (lab/install-deps.sh)');
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(run.stdout);
  assert.ok(summary, `ping ${address} from ${from} printed no summary: ${run.stdout} ${run.stderr}`);
  const times = [...run.stdout.matchAll(/time=([\d.]+) ms/g)].map((match) => Number(match[1]));
  return { sent: Number(summary[1]), received: Number(summary[2]), minMs: times.length ? Math.min(...times) : NaN };
}

function impair(...args: string[]): void {
  const run = runCli(['lab', 'impair', '--lab', lab, ...args]);
  assert.equal(run.status, 0, `impair ${args.join(' ')} failed: ${run.stderr}`);
}

/**
 * TCP handshake times from dev1 to a listener in dev2: a connect completes after one round trip
 * (SYN out, SYN/ACK back), so its minimum follows the path's delay as ping's does.
 */
function connectMinMs(address: string, port: number, count = 10): number {
  const client = `
    const net = require('node:net');
    const times = [];
    (function next() {
      if (times.length === ${count}) { console.log(Math.min(...times)); return; }
      const start = process.hrtime.bigint();
      const socket = net.connect(${port}, '${address}', () => {
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        socket.destroy();
        setTimeout(next, 20);
      });
      socket.on('error', (error) => { console.error(error.message); process.exit(1); });
    })();`;
  const run = spawnSync('ip', ['netns', 'exec', `${lab}.dev1`, process.execPath, '-e', client], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, `TCP connects to ${address}:${port} failed: ${run.stderr}`);
  return Number(run.stdout.trim());
}

describe('plain IP through the lab routers', { skip: needsRoot }, () => {
  const port = 7070;
  let listener: ChildProcess | undefined;
  const baseline = new Map<string, number>();

  before(async () => {
    const up = runCli(['lab', 'up', topology, '--lab', lab], { timeoutMs: 90_000 });
    assert.equal(up.status, 0, `lab up failed: ${up.stderr}`);
    // A real listener in dev2, as a server behind the network would be.
    listener = spawn('ip', ['netns', 'exec', `${lab}.dev2`, process.execPath, '-e', `require('node:net').createServer((s) => s.destroy()).listen(${port}, () => console.log('listening'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      listener!.stdout!.once('data', () => resolve());
      listener!.once('exit', (code) => reject(new Error(`the TCP listener in dev2 exited with ${code}`)));
    });
  });
  after(() => {
    listener?.kill('SIGKILL');
    runCli(['lab', 'down', '--lab', lab]);
  });

  test('unimpaired: a host reaches the other host and routers behind other routers, both ways, without loss', () => {
    for (const [name, address] of Object.entries(targets)) {
      const result = ping('dev1', address);
      assert.equal(result.received, result.sent, `dev1 → ${name} (${address}) lost packets`);
      baseline.set(name, result.minMs);
    }
    const back = ping('dev2', dev1);
    assert.equal(back.received, back.sent, 'dev2 → dev1 lost packets');
    const gateway = ping('dev1', addressOf('R1', 'dev1'));
    assert.equal(gateway.received, gateway.sent, 'dev1 → R1 lost packets');
    baseline.set('r1', gateway.minMs);
    baseline.set('tcp', connectMinMs(targets.dev2, port));
  });

  test('a one-way delay on R2→R4 adds to exactly the targets behind it, ICMP and TCP alike', (t) => {
    const delayMs = 25;
    impair('R2', 'R4', '--one-way', '--delay-ms', String(delayMs));
    try {
      for (const [name, address] of Object.entries(targets)) {
        const result = ping('dev1', address);
        const addedMs = result.minMs - baseline.get(name)!;
        const expectedMs = name === 'r5' ? 0 : delayMs;
        t.diagnostic(`ping dev1 → ${name} ${address}: min ${result.minMs} ms (unimpaired ${baseline.get(name)} ms)`);
        assert.equal(result.received, result.sent, `${name} lost packets`);
        assert.ok(addedMs >= expectedMs - 0.5 && addedMs < expectedMs + 3, `${name}: added ${addedMs.toFixed(3)} ms, expected ${expectedMs} ms`);
      }
      const tcpMs = connectMinMs(targets.dev2, port);
      t.diagnostic(`TCP connect dev1 → dev2: min ${tcpMs.toFixed(3)} ms (unimpaired ${baseline.get('tcp')!.toFixed(3)} ms)`);
      const addedMs = tcpMs - baseline.get('tcp')!;
      assert.ok(addedMs >= delayMs - 0.5 && addedMs < delayMs + 3, `TCP: added ${addedMs.toFixed(3)} ms, expected ${delayMs} ms`);
    } finally {
      impair('R2', 'R4', '--clear');
    }
  });

  test('the reverse direction R4→R2 delays the replies, including those R4 sends itself', () => {
    const delayMs = 15;
    impair('R4', 'R2', '--one-way', '--delay-ms', String(delayMs));
    try {
      for (const [name, address] of [
        ['dev2', targets.dev2],
        ['r4', targets.r4],
      ] as const) {
        const addedMs = ping('dev1', address).minMs - baseline.get(name)!;
        assert.ok(addedMs >= delayMs - 0.5 && addedMs < delayMs + 3, `${name}: added ${addedMs.toFixed(3)} ms, expected ${delayMs} ms`);
      }
    } finally {
      impair('R4', 'R2', '--clear');
    }
  });

  test('a host link delays what the host sends, at the router it arrives on', () => {
    const delayMs = 10;
    impair('dev1', 'R1', '--one-way', '--delay-ms', String(delayMs));
    try {
      const addedMs = ping('dev1', addressOf('R1', 'dev1')).minMs - baseline.get('r1')!;
      assert.ok(addedMs >= delayMs - 0.5 && addedMs < delayMs + 3, `dev1 → R1: added ${addedMs.toFixed(3)} ms, expected ${delayMs} ms`);
    } finally {
      impair('dev1', 'R1', '--clear');
    }
  });

  test('down one way loses everything behind it (the links stay up), down both ways too; restored, all is back', () => {
    for (const args of [['--one-way', '--down'], ['--down']]) {
      impair('R2', 'R4', ...args);
      try {
        for (const name of ['dev2', 'r4'] as const) assert.equal(ping('dev1', targets[name], 10).received, 0, `${args.join(' ')}: ${name} still answers`);
        const other = ping('dev1', targets.r5, 10);
        assert.equal(other.received, other.sent, `${args.join(' ')}: r5 does not cross R2→R4 and must answer`);
      } finally {
        impair('R2', 'R4', '--up', '--clear');
      }
    }
    for (const [name, address] of Object.entries(targets)) {
      const result = ping('dev1', address);
      assert.equal(result.received, result.sent, `after --up --clear: ${name} lost packets`);
      assert.ok(result.minMs - baseline.get(name)! < 3, `after --up --clear: ${name} min ${result.minMs} ms, unimpaired ${baseline.get(name)} ms`);
    }
  });

  test('random loss on a link drops about that share of the packets crossing it', () => {
    impair('R2', 'R4', '--one-way', '--loss-pct', '50');
    try {
      const result = ping('dev1', targets.dev2, 200);
      const lostPct = (100 * (result.sent - result.received)) / result.sent;
      // 200 trials at 50 %: below 35 % or above 65 % has odds under 1 in 10^4.
      assert.ok(lostPct > 35 && lostPct < 65, `lost ${lostPct} %, expected about 50 %`);
    } finally {
      impair('R2', 'R4', '--clear');
    }
  });
});
