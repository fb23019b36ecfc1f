/**
 * openProbeReceiver on loopback: the kernel-stamped receiver where the helper builds, the dgram one
 * with a logged reason where it cannot, and no silent fallback for errors dgram would hit too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { NativeHelperError, openProbeReceiver, type ProbeReceiver } from '../../../probes/index.js';

const noCompiler = (() => {
  try {
    execFileSync(process.env.CC ?? 'cc', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'no C compiler: the fallback test above covers this machine';
  }
})();

async function roundTrip(receiver: ProbeReceiver): Promise<number> {
  const socket = createSocket('udp4');
  try {
    const got = new Promise<number>((resolve) => receiver.onPayload((payload) => resolve(payload.length)));
    socket.send(Buffer.alloc(5, 1), receiver.port, '127.0.0.1');
    return await got;
  } finally {
    socket.close();
  }
}

test('falls back to a working dgram receiver, saying why, when the helper cannot be built', async () => {
  const lines: string[] = [];
  const opened = await openProbeReceiver('127.0.0.1', {
    log: (line) => lines.push(line),
    startKernelStamped: async () => {
      throw new NativeHelperError('probe-rx', 'could not compile probe-rx.c: cc: not found; expected a C compiler as $CC or cc');
    },
  });
  try {
    assert.equal(opened.timestamps, 'event-loop');
    assert.match(opened.fallbackReason!, /cc: not found/);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^probes\.openProbeReceiver: .*cc: not found/);
    assert.equal(await roundTrip(opened.receiver), 5);
  } finally {
    opened.receiver.close();
  }
});

test('any other failure is thrown, not hidden behind a fallback', async () => {
  const failure = new Error('probes.KernelStampedReceiver.start: probe-rx on 127.0.0.1:1 exited with 2: bind: Permission denied');
  await assert.rejects(openProbeReceiver('127.0.0.1', { log: () => assert.fail('no fallback expected'), startKernelStamped: async () => Promise.reject(failure) }), failure);
});

test('uses kernel timestamps where the helper builds', { skip: noCompiler }, async () => {
  const opened = await openProbeReceiver('127.0.0.1', { log: (line) => assert.fail(`unexpected fallback: ${line}`) }).catch((error: Error) => error);
  if (opened instanceof Error) throw opened;
  try {
    assert.equal(opened.timestamps, 'kernel');
    assert.equal(await roundTrip(opened.receiver), 5);
  } finally {
    opened.receiver.close();
  }
});
