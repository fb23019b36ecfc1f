/**
 * `lab forward`: a service listening on 127.0.0.1 inside a namespace (where the host cannot connect)
 * is reached from the host's 127.0.0.1 through the relay, for several requests and connections; a
 * port with nothing behind it is reported, and closing the forward leaves no relay process behind.
 * Uses a namespace of its own (unique name), removed afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { forwardIntoNamespace } from '../../../lab/lab-forward.js';
import { uniqueLabName } from '../../helpers/cli.js';

const SERVER = `
const http = require('http');
const server = http.createServer((req, res) => res.end('inside ' + req.url));
server.listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('ready\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

test('a dashboard on the namespace loopback is reached from the host, and only through the forward', async () => {
  const namespace = `${uniqueLabName()}.fw`;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  execFileSync('ip', ['netns', 'add', namespace]);
  const server = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', SERVER, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let forward: Awaited<ReturnType<typeof forwardIntoNamespace>> | null = null;
  try {
    execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
    await new Promise((resolve) => server.stdout!.once('data', resolve));
    // The host's own loopback has nothing on that port: the service is only inside.
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
    const logged: string[] = [];
    const opened = await forwardIntoNamespace(namespace, port, { listenPort: 0, log: (line) => logged.push(line) });
    forward = opened;
    assert.equal(opened.host, '127.0.0.1');
    for (const path of ['/', '/api/paths', '/path?id=x']) {
      const response: Response = await fetch(`http://127.0.0.1:${opened.port}${path}`);
      assert.equal(await response.text(), `inside ${path}`);
    }
    const parallel = await Promise.all(Array.from({ length: 8 }, (_, i) => fetch(`http://127.0.0.1:${opened.port}/${i}`, { headers: { connection: 'close' } }).then((r) => r.text())));
    assert.deepEqual(
      parallel,
      Array.from({ length: 8 }, (_, i) => `inside /${i}`),
    );
    assert.deepEqual(logged, []);
  } finally {
    await forward?.close();
    server.stdin!.end();
    execFileSync('ip', ['netns', 'del', namespace]);
  }
  const relays = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(namespace));
  assert.deepEqual(relays, []);
});

test('nothing listening inside: the connection closes and the log says what was expected', async () => {
  const namespace = `${uniqueLabName()}.fw`;
  execFileSync('ip', ['netns', 'add', namespace]);
  let forward: Awaited<ReturnType<typeof forwardIntoNamespace>> | null = null;
  try {
    execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
    const logged: string[] = [];
    forward = await forwardIntoNamespace(namespace, 9, { listenPort: 0, log: (line) => logged.push(line) });
    await assert.rejects(fetch(`http://127.0.0.1:${forward.port}/`));
    for (let i = 0; i < 50 && logged.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.match(logged[0] ?? '', /cannot reach 127\.0\.0\.1:9 \(ECONNREFUSED\); expected a service listening on 127\.0\.0\.1:9 in the namespace/);
  } finally {
    await forward?.close();
    execFileSync('ip', ['netns', 'del', namespace]);
  }
});

test('a namespace that does not exist is an error naming it', async () => {
  await assert.rejects(forwardIntoNamespace('pathmon-no-such-ns', 8080, { listenPort: 0 }), /relay in namespace pathmon-no-such-ns exited/);
});
