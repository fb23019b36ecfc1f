/**
 * The vtysh socket client against a stand-in daemon speaking FRR's framing (command + NUL in; output,
 * three NULs and a status byte out), including answers split across reads, a failure status, a daemon
 * that never answers, and one that goes away.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VtyClient, VtyError } from '../../../../lab/bgp-ls/vty-client.js';

const dir = mkdtempSync(join(tmpdir(), 'pathmon-vty-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function daemon(name: string, answer: (command: string, socket: Socket) => void): Promise<{ path: string; server: Server }> {
  const path = join(dir, `${name}.vty`);
  const server = createServer((socket) => {
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString();
      let end: number;
      while ((end = pending.indexOf('\0')) >= 0) {
        answer(pending.slice(0, end), socket);
        pending = pending.slice(end + 1);
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve({ path, server })));
}

test('answers come back whole, even when the daemon writes them in pieces; the socket is reused', async () => {
  let connections = 0;
  const { path, server } = await daemon('split', (command, socket) => {
    const text = Buffer.from(`{"echo":"${command}"}`);
    socket.write(text.subarray(0, 5));
    setTimeout(() => socket.write(Buffer.concat([text.subarray(5), Buffer.from([0, 0])])), 5);
    setTimeout(() => socket.write(Buffer.from([0, 0])), 10);
  });
  server.on('connection', () => connections++);
  const client = new VtyClient(path);
  assert.equal(await client.run('show a'), '{"echo":"show a"}');
  assert.equal(await client.run('show b'), '{"echo":"show b"}');
  assert.equal(connections, 1);
  client.close();
  server.close();
});

test("a failure status is an error carrying the daemon's words", async () => {
  const { path, server } = await daemon('status', (_command, socket) => socket.write(Buffer.concat([Buffer.from('% Unknown command'), Buffer.from([0, 0, 0, 1])])));
  const client = new VtyClient(path);
  await assert.rejects(client.run('show nonsense'), (error: Error) => error instanceof VtyError && /status 1: % Unknown command/.test(error.message));
  client.close();
  server.close();
});

test('a daemon that never answers times out, and the next command reconnects', async () => {
  let answered = 0;
  const { path, server } = await daemon('silent', (_command, socket) => {
    if (answered++ > 0) socket.write(Buffer.from([0x7b, 0x7d, 0, 0, 0, 0]));
  });
  const client = new VtyClient(path, 100);
  await assert.rejects(client.run('show slow'), /within 100 ms/);
  assert.equal(await client.run('show again'), '{}');
  client.close();
  server.close();
});

test('no daemon at the path is a clear error naming it', async () => {
  const client = new VtyClient(join(dir, 'absent.vty'));
  await assert.rejects(client.run('show x'), (error: Error) => error instanceof VtyError && error.message.includes('absent.vty'));
});
