/**
 * The target kinds on real sockets, through `pathmon probe` as an engineer runs it, in a namespace pair
 * made for this run (a veth /31 between a prober and a target): ICMP echo to the peer; TCP to an open
 * port (a real listener in the target namespace), a closed port (RST: reachable, counted refused, with
 * its own RTT) and a port nftables drops (loss); UDP to `pathmon respond` in the target namespace with
 * a swept source port, one of whose ports the target drops, recorded as the failing one. Then, as
 * nobody without CAP_NET_RAW: ICMP through a ping socket where ping_group_range admits the group, and an
 * error naming what to grant where it does not.
 *
 * Needs root, ip and nft (skipped without them). Only addresses inside these namespaces are probed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cliPath, uniqueLabName } from '../../helpers/cli.js';
import { repoRoot } from '../../helpers/repo-root.js';

const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((path) => existsSync(path));
const SETPRIV = '/usr/bin/setpriv';
const canRun = process.getuid?.() === 0 && NFT !== undefined && spawnSync('ip', ['-V']).status === 0;
const skip = canRun ? false : 'needs root, ip and nft';

const PROBER = '10.251.0.0';
const TARGET = '10.251.0.1';
const OPEN_PORT = 8080;
const CLOSED_PORT = 8081;
const DROPPED_PORT = 8082;
const RESPOND_PORT = 7655;
const DROPPED_SOURCE_PORT = 33002;

const tag = uniqueLabName();
const proberNs = `${tag}p`;
const targetNs = `${tag}t`;
const children: ChildProcess[] = [];
let scratch = '';
const opened: { dir: string; mode: number }[] = [];

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function inNs(ns: string, command: string, args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Starts a long-running process in a namespace and waits for `ready` on its output. */
async function startIn(ns: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let said = '';
  await new Promise<void>((resolve, reject) => {
    const check = (chunk: Buffer) => {
      said += chunk.toString();
      if (ready.test(said)) resolve();
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it was ready: ${said}`)));
  });
  return child;
}

before(async () => {
  if (!canRun) return;
  scratch = mkdtempSync(join(tmpdir(), 'pathmon-kinds-'));
  chmodSync(scratch, 0o777);
  ip('netns', 'add', proberNs);
  ip('netns', 'add', targetNs);
  ip('link', 'add', `${tag}a`, 'netns', proberNs, 'type', 'veth', 'peer', 'name', `${tag}b`, 'netns', targetNs);
  ip('-n', proberNs, 'addr', 'add', `${PROBER}/31`, 'dev', `${tag}a`);
  ip('-n', targetNs, 'addr', 'add', `${TARGET}/31`, 'dev', `${tag}b`);
  for (const [ns, dev] of [
    [proberNs, `${tag}a`],
    [targetNs, `${tag}b`],
  ] as const) {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'link', 'set', dev, 'up');
  }
  // The filtered port, and one UDP source port the target's side drops (a failing ECMP member's stand-in).
  inNs(targetNs, NFT!, ['add table inet pathmontest']);
  inNs(targetNs, NFT!, ['add chain inet pathmontest input { type filter hook input priority 0 ; }']);
  inNs(targetNs, NFT!, [`add rule inet pathmontest input tcp dport ${DROPPED_PORT} drop`]);
  inNs(targetNs, NFT!, [`add rule inet pathmontest input udp sport ${DROPPED_SOURCE_PORT} drop`]);
  await startIn(targetNs, [process.execPath, '-e', `require('net').createServer((s) => s.destroy()).listen(${OPEN_PORT}, '${TARGET}', () => console.log('listening'))`], /listening/);
  await startIn(targetNs, [process.execPath, cliPath, 'respond', '--bind', TARGET, '--port', String(RESPOND_PORT)], /listening on/);
});

after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const ns of [proberNs, targetNs]) spawnSync('ip', ['netns', 'del', ns]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  for (const { dir, mode } of opened.reverse()) chmodSync(dir, mode);
});

interface ProbeRow {
  kind: string;
  address: string;
  sent: number;
  received: number;
  lossPct: number;
  rttMs: { min: number; p50: number } | null;
  refused: number;
  failedSourcePorts: number[];
}

function probe(args: string[], asNobody?: 'ping-socket-range' | 'no-range'): { status: number | null; stdout: string; stderr: string; row?: ProbeRow } {
  const command = ['netns', 'exec', proberNs];
  const prefix = asNobody ? [SETPRIV, '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--'] : [];
  const result = spawnSync('ip', [...command, ...prefix, process.execPath, cliPath, 'probe', '--json', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(asNobody ? { PATHMON_NATIVE_CACHE: join(scratch, 'native') } : {}) },
  });
  const row = result.status === 0 ? (JSON.parse(result.stdout) as ProbeRow[])[0] : undefined;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ...(row ? { row } : {}) };
}

test('icmp: every echo to the peer is answered, with a sub-millisecond RTT', { skip }, () => {
  const run = probe(['--kind', 'icmp', '--target', TARGET, '--count', '20', '--interval-ms', '5', '--payload-bytes', '1000']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual([run.row!.kind, run.row!.address, run.row!.sent, run.row!.received], ['icmp', TARGET, 20, 20]);
  assert.ok(run.row!.rttMs!.p50 < 1, `p50 ${run.row!.rttMs!.p50} ms`);
});

test('icmp: a payload over the link MTU with DF set cannot leave and is reported', { skip }, () => {
  const run = probe(['--kind', 'icmp', '--target', TARGET, '--count', '3', '--interval-ms', '5', '--timeout-ms', '200', '--payload-bytes', '2000']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.row!.received, 0);
  assert.match(run.stderr, /EMSGSIZE ×3/);
});

test('tcp: an open port answers SYN/ACK, a closed one RST (reachable, refused), a dropped one nothing', { skip }, () => {
  const open = probe(['--kind', 'tcp', '--target', `${TARGET}:${OPEN_PORT}`, '--count', '20', '--interval-ms', '5']);
  assert.equal(open.status, 0, open.stderr);
  assert.deepEqual([open.row!.sent, open.row!.received, open.row!.refused], [20, 20, 0]);
  const closed = probe(['--kind', 'tcp', '--target', `${TARGET}:${CLOSED_PORT}`, '--count', '20', '--interval-ms', '5']);
  assert.equal(closed.status, 0, closed.stderr);
  assert.deepEqual([closed.row!.sent, closed.row!.received, closed.row!.refused, closed.row!.lossPct], [20, 20, 20, 0]);
  assert.ok(closed.row!.rttMs!.min > 0);
  const dropped = probe(['--kind', 'tcp', '--target', `${TARGET}:${DROPPED_PORT}`, '--count', '10', '--interval-ms', '5', '--timeout-ms', '300']);
  assert.equal(dropped.status, 0, dropped.stderr);
  assert.deepEqual([dropped.row!.sent, dropped.row!.received, dropped.row!.lossPct], [10, 0, 100]);
  // A pinned source port from the application's side.
  const pinned = probe(['--kind', 'tcp', '--target', `${TARGET}:${OPEN_PORT}`, '--count', '5', '--interval-ms', '5', '--source-port', '41000']);
  assert.equal(pinned.row!.received, 5, pinned.stderr);
});

test('udp: probes to pathmon respond return; a swept source port the path drops is recorded', { skip }, () => {
  const run = probe(['--kind', 'udp', '--target', `${TARGET}:${RESPOND_PORT}`, '--count', '16', '--interval-ms', '5', '--timeout-ms', '300', '--source-port', '33000-33003']);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual([run.row!.sent, run.row!.received, run.row!.lossPct], [16, 12, 25]);
  assert.deepEqual(run.row!.failedSourcePorts, [DROPPED_SOURCE_PORT]);
});

/** Opens the checkout to nobody for the run (a mktemp clone may be 0700), restored in `after`. */
function openCheckoutToNobody(): void {
  if (opened.length > 0) return;
  for (let dir = repoRoot; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      opened.push({ dir, mode });
      chmodSync(dir, mode | 0o005);
    }
    if (dirname(dir) === dir) break;
  }
}

const unprivilegedSkip = canRun && existsSync(SETPRIV) ? false : 'needs root, ip, nft and setpriv';

test('as nobody without CAP_NET_RAW, icmp goes through a ping socket where ping_group_range admits nobody', { skip: unprivilegedSkip }, () => {
  openCheckoutToNobody();
  inNs(proberNs, 'sysctl', ['-qw', 'net.ipv4.ping_group_range=65534 65534']);
  const run = probe(['--kind', 'icmp', '--target', TARGET, '--count', '10', '--interval-ms', '5'], 'ping-socket-range');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /ping socket/);
  assert.deepEqual([run.row!.sent, run.row!.received], [10, 10]);
});

test('as nobody without CAP_NET_RAW or a ping_group_range, icmp says exactly what to grant', { skip: unprivilegedSkip }, () => {
  openCheckoutToNobody();
  inNs(proberNs, 'sysctl', ['-qw', 'net.ipv4.ping_group_range=1 0']);
  const run = probe(['--kind', 'icmp', '--target', TARGET, '--count', '1'], 'no-range');
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /AmbientCapabilities=CAP_NET_RAW/);
  assert.match(run.stderr, /setcap cap_net_raw\+ep /);
  assert.match(run.stderr, /sysctl -w net\.ipv4\.ping_group_range="65534 65534"/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
  const tcp = probe(['--kind', 'tcp', '--target', `${TARGET}:${OPEN_PORT}`, '--count', '1'], 'no-range');
  assert.equal(tcp.status, 1, tcp.stderr);
  assert.match(tcp.stderr, /CAP_NET_RAW/);
});
