/**
 * The native helpers (probe-rx, probe-tx) die with the process that started them. A monitor killed with
 * SIGKILL runs no cleanup, so unless the kernel ends the helpers for it, probe-rx keeps the probe port
 * bound (it blocks in recvmmsg and never notices its reader is gone) and probe-tx keeps sending a round
 * mid-way. Here a small Node process opens the kernel-stamped receiver and the native round sender
 * (with a round under way that sleeps 10 s between probes, loopback only), is killed with SIGKILL, and
 * neither helper may remain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const skip = (() => {
  if (process.platform !== 'linux') return 'PR_SET_PDEATHSIG and /proc are Linux';
  if (process.getuid?.() !== 0) return 'probe-tx needs a raw socket (root)';
  try {
    execFileSync(process.env.CC ?? 'cc', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'no C compiler: no helpers are built there';
  }
})();

const probesIndex = new URL('../../../probes/index.js', import.meta.url).href;

/**
 * The monitor stand-in: starts both helpers, hands probe-tx a round of 3 probes 10 s apart to 127.0.0.1
 * (a hand-made IPv4/UDP packet to the discard port, so nothing here depends on the probe codecs), then
 * says "ready" and waits to be killed.
 */
const child = `
import { KernelStampedReceiver, NativeRoundSender } from ${JSON.stringify(probesIndex)};
const receiver = await KernelStampedReceiver.start('127.0.0.1');
const sender = await NativeRoundSender.start();
const packet = Buffer.alloc(48);
packet.writeUInt8(0x45, 0); packet.writeUInt16BE(48, 2); packet.writeUInt8(64, 8); packet.writeUInt8(17, 9);
packet.set([127, 0, 0, 1], 12); packet.set([127, 0, 0, 1], 16);
packet.writeUInt16BE(40009, 20); packet.writeUInt16BE(9, 22); packet.writeUInt16BE(28, 24);
void sender.sendRound({ paths: [{ packet, firstHop: '127.0.0.1', sequenceAt: 28, checksumAt: 26 }], count: 3, intervalMs: 10_000 }, () => {}).catch(() => {});
process.stdout.write('ready ' + receiver.port + '\\n');
setInterval(() => {}, 1000);
`;

interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  startTime: string;
  comm: string;
}

function procInfo(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return { pid, ppid: Number(fields[1]), state: fields[0]!, startTime: fields[19]!, comm: stat.slice(stat.indexOf('(') + 1, close) };
  } catch {
    return null; // gone (or never there)
  }
}

function childrenOf(parent: number): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (info && info.ppid === parent) found.push(info);
  }
  return found;
}

/** Still running: present, not a zombie waiting for its reaper, and not a new process on a reused pid. */
function running(helper: ProcInfo): boolean {
  const now = procInfo(helper.pid);
  return now !== null && now.startTime === helper.startTime && now.state !== 'Z' && now.state !== 'X';
}

test('kill -9 of the monitor leaves no probe-rx or probe-tx running', { skip }, async () => {
  const monitor = spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  monitor.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let helpers: ProcInfo[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      monitor.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/^ready \d+\n/.test(out)) resolve();
      });
      monitor.once('exit', (code) => reject(new Error(`the stand-in monitor exited with ${code} before starting its helpers: ${stderr}`)));
    });
    helpers = childrenOf(monitor.pid!);
    const names = helpers.map((h) => h.comm.replace(/-[0-9a-f]+$/, '')).sort();
    assert.deepEqual(names, ['probe-rx', 'probe-tx'], `children of the stand-in: ${helpers.map((h) => h.comm).join(', ')}`);
    assert.ok(helpers.every(running));

    monitor.kill('SIGKILL');
    // The kernel delivers the parent-death signal as the parent exits; allow a generous bound for a
    // loaded machine, it is not a timing measurement.
    const deadline = Date.now() + 5000;
    while (helpers.some(running) && Date.now() < deadline) await sleep(50);
    const left = helpers.filter(running);
    assert.deepEqual(
      left.map((h) => `${h.comm} (pid ${h.pid})`),
      [],
      'helpers outlived the monitor that started them',
    );
  } finally {
    if (monitor.exitCode === null && monitor.signalCode === null) monitor.kill('SIGKILL');
    // Never leave an orphan behind, even when the assertion above failed.
    for (const helper of helpers) if (running(helper)) process.kill(helper.pid, 'SIGKILL');
  }
});
