/**
 * pathmon without root, as the systemd unit runs it: an unprivileged user (nobody) that holds
 * CAP_NET_RAW as an ambient capability opens the same probe sender `pathmon run` and `pathmon probe`
 * open, and its probes really leave (a round sent through the raw socket arrives at a UDP socket on
 * loopback). Without the capability, `pathmon probe` stops with a message naming CAP_NET_RAW and how to
 * get it, never a stack trace.
 *
 * Dropping to another user needs root and setpriv, so the file is skipped without them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliPath } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';

const SETPRIV = '/usr/bin/setpriv';
const NOBODY = 65534;
const canDrop = process.getuid?.() === 0 && existsSync(SETPRIV);
const skip = canDrop ? false : 'needs root and /usr/bin/setpriv to run pathmon as another user';

let scratch = '';
/** Directories made traversable for nobody, with the modes to put back. */
const opened: { dir: string; mode: number }[] = [];
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'pathmon-service-'));
  // nobody compiles the C helpers into its own cache, as the unit's CacheDirectory lets it.
  chmodSync(scratch, 0o777);
  // nobody must reach the build: a checkout made with mktemp (as CI's clone may be) is 0700. Each
  // directory from the checkout up that others cannot traverse gets o+x for the run, restored after.
  for (let dir = repoRoot; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      opened.push({ dir, mode });
      chmodSync(dir, mode | 0o005);
    }
    if (dirname(dir) === dir) break;
  }
});
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  for (const { dir, mode } of opened.reverse()) chmodSync(dir, mode);
});

/** setpriv arguments for nobody with no groups, with or without CAP_NET_RAW as an ambient capability. */
function asNobody(withNetRaw: boolean): string[] {
  const caps = withNetRaw ? ['--inh-caps=-all,+net_raw', '--ambient-caps=+net_raw'] : ['--inh-caps=-all'];
  return [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...caps, '--'];
}

function runAs(setprivArgs: string[], command: string, args: string[]) {
  const result = spawnSync(SETPRIV, [...setprivArgs, command, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
    killSignal: 'SIGKILL',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PATHMON_NATIVE_CACHE: join(scratch, 'native') },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A child that opens pathmon's probe sender and sends one 3-probe round, a plain IPv4/UDP datagram to
 * its own UDP socket on 127.0.0.1, through the round path the monitor uses (the probe-tx helper where it
 * runs). It prints what it opened and the sequences that arrived.
 */
const senderChild = `
import { createSocket } from 'node:dgram';
const { openProbeSender } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist', 'src', 'open-probe-sender.js')).href)});
const { ipv4, udp } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist', 'probes', 'index.js')).href)});
const socket = createSocket('udp4');
await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
const port = socket.address().port;
const received = [];
socket.on('message', (message) => received.push(message.readUInt32BE(0)));
const warnings = [];
let sender;
try {
  sender = await openProbeSender('pathmon probe', (line) => warnings.push(line));
} catch (error) {
  console.log(JSON.stringify({ opened: false, name: error.name, message: error.message, uid: process.getuid() }));
  process.exit(0);
}
const packet = Buffer.alloc(20 + 8 + 16);
ipv4.encode({ protocol: 17, source: '127.0.0.1', destination: '127.0.0.1', payloadLength: 8 + 16 }, packet, 0);
udp.encode({ sourcePort: port, destinationPort: port, payloadLength: 16 }, packet, 20);
packet.writeUInt16BE(udp.computeChecksum(packet, 20, '127.0.0.1', '127.0.0.1'), 26);
if (sender.sendRound) {
  await sender.sendRound({ paths: [{ packet, firstHop: '127.0.0.1', sequenceAt: 28, checksumAt: 26 }], count: 3, intervalMs: 1 }, () => {});
} else {
  for (let sequence = 0; sequence < 3; sequence++) {
    packet.writeUInt32BE(sequence, 28);
    packet.writeUInt16BE(0, 26);
    packet.writeUInt16BE(udp.computeChecksum(packet, 20, '127.0.0.1', '127.0.0.1'), 26);
    sender.send(packet, '127.0.0.1', () => {});
  }
}
for (let waitedMs = 0; received.length < 3 && waitedMs < 5000; waitedMs += 20) await new Promise((resolve) => setTimeout(resolve, 20));
sender.close();
socket.close();
console.log(JSON.stringify({ opened: true, sender: sender.constructor.name, received: received.sort(), sendErrors: sender.sendErrors, warnings, uid: process.getuid() }));
`;

interface ChildReport {
  opened: boolean;
  uid: number;
  sender?: string;
  received?: number[];
  name?: string;
  message?: string;
}

function senderReport(run: { status: number | null; stdout: string; stderr: string }): ChildReport {
  assert.equal(run.status, 0, `the child failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as ChildReport;
}

test('as nobody with CAP_NET_RAW (ambient, as the unit grants it) the probe sender opens and a round arrives', { skip }, () => {
  const report = senderReport(runAs(asNobody(true), process.execPath, ['--input-type=module', '-e', senderChild]));
  assert.equal(report.uid, NOBODY);
  assert.equal(report.opened, true, report.message);
  // The probe-tx helper is a child process: it holds the capability only because it is ambient.
  assert.equal(report.sender, 'NativeRoundSender');
  assert.deepEqual(report.received, [0, 1, 2]);
});

test('as nobody without CAP_NET_RAW the sender says which capability is missing', { skip }, () => {
  const report = senderReport(runAs(asNobody(false), process.execPath, ['--input-type=module', '-e', senderChild]));
  assert.equal(report.uid, NOBODY);
  assert.equal(report.opened, false);
  assert.equal(report.name, 'CliError');
  assert.match(report.message!, /CAP_NET_RAW/);
  assert.match(report.message!, /root/);
});

test('pathmon probe as nobody without CAP_NET_RAW exits 1 naming CAP_NET_RAW, without a stack trace', { skip }, () => {
  const run = runAs(asNobody(false), process.execPath, [cliPath, 'probe', '--topology', 'lab/topologies/nanog76.yaml', '--from', 'dev1', '--to', 'dev2', '--count', '1']);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /^pathmon probe: .*CAP_NET_RAW/m);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('as nobody running a node binary given CAP_NET_RAW by setcap, probes still leave', {
  skip: canDrop && existsSync('/usr/sbin/setcap') ? false : 'needs root, setpriv and setcap',
  // A file capability on node is not passed to the probe-tx helper it starts, so the helper cannot
  // open its raw socket; openProbeSender must then send from Node, which does hold the capability.
}, () => {
  const node = join(scratch, 'node');
  copyFileSync(process.execPath, node);
  chmodSync(node, 0o755);
  const setcap = spawnSync('/usr/sbin/setcap', ['cap_net_raw+ep', node], { encoding: 'utf8' });
  assert.equal(setcap.status, 0, `setcap failed (a file system without extended attributes?): ${setcap.stderr}`);
  const report = senderReport(runAs(asNobody(false), node, ['--input-type=module', '-e', senderChild]));
  assert.equal(report.uid, NOBODY);
  assert.equal(report.opened, true, report.message);
  assert.deepEqual(report.received, [0, 1, 2]);
});
