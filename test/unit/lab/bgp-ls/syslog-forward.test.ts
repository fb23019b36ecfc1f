/**
 * `lab up --bgp-ls --syslog`: the ospfd configuration logs adjacency changes to its own file, and the
 * forwarder pipeline (tail -F | logger, in a UTS namespace named after the router) delivers each new
 * line as one RFC 5424 octet-counted frame over TCP, also when the receiver starts after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlTopology } from '../../../../topology/index.js';
import { labPlan } from '../../../../lab/lab-plan.js';
import { ospfdConf } from '../../../../lab/bgp-ls/daemon-configs.js';
import { forwardArgv, parseSyslogTarget } from '../../../../lab/bgp-ls/syslog-forward.js';
import { repoRoot } from '../../../helpers/repo-root.js';

const needsRoot = process.getuid?.() !== 0 ? 'unshare --uts needs root' : false;

test('parseSyslogTarget takes ADDR:PORT and [IPV6]:PORT and names what was wrong otherwise', () => {
  assert.deepEqual(parseSyslogTarget('10.2.0.0:5514'), { host: '10.2.0.0', port: 5514 });
  assert.deepEqual(parseSyslogTarget('[fd00::1]:514'), { host: 'fd00::1', port: 514 });
  for (const bad of ['10.2.0.0', '10.2.0.0:0', '10.2.0.0:70000', ':514', 'a b:514', '10.2.0.0:514;reboot']) {
    assert.throws(() => parseSyslogTarget(bad), /syslog target .*expected ADDR:PORT/, bad);
  }
});

test('ospfd logs every adjacency change at informational level to the file given', () => {
  const spec = parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/nanog76.yaml'), 'utf8'), 'nanog76.yaml').spec;
  const r4 = labPlan('pmunit', spec).nodes.find((n) => n.name === 'R4')!;
  const conf = ospfdConf(r4, '10.255.0.4', '/run/x/R4/ospfd.log').split('\n');
  assert.ok(conf.includes('log file /run/x/R4/ospfd.log informational'), conf.join('\n'));
  const router = conf.indexOf('router ospf');
  assert.ok(router >= 0 && conf.indexOf(' log-adjacency-changes detail') > router, conf.join('\n'));
  assert.ok(!ospfdConf(r4, '10.255.0.4').includes('log file'), 'no file named, no log file line');
});

test('the forwarder sends each new line once as an octet-counted RFC 5424 frame naming the router, once the receiver listens', { skip: needsRoot }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-syslog-forward-'));
  const file = join(dir, 'ospfd.log');
  writeFileSync(file, 'an old line, not news\n');
  // A port that is free now; nothing listens on it until the first line is written.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  // Without `ip netns exec NS`: the pipeline itself, in a UTS namespace of its own.
  const argv = forwardArgv('unused', 'R4', file, { host: '127.0.0.1', port }).slice(4);
  const forwarder = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', detached: true });
  let server: Server | null = null;
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    appendFileSync(file, '2026/11/27 09:48:49 OSPF: [Y05P2-YJVXY] AdjChg: Nbr 10.255.0.6, NbrIP 10.1.1.12 (default) on l6-R6:10.1.1.13: Full -> Deleted (KillNbr)\n');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    let received = '';
    server = createServer((socket) => socket.on('data', (chunk) => (received += chunk.toString())));
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    appendFileSync(file, 'second line\n');
    const deadline = Date.now() + 10_000;
    while (!received.includes('second line') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const frames: string[] = [];
    for (let rest = received; rest.length > 0; ) {
      const match = /^(\d+) /.exec(rest);
      assert.ok(match, `an octet count first: ${JSON.stringify(rest.slice(0, 80))}`);
      const length = Number(match[1]);
      frames.push(Buffer.from(rest.slice(match[0].length)).subarray(0, length).toString());
      rest = Buffer.from(rest.slice(match[0].length)).subarray(length).toString();
    }
    assert.equal(frames.length, 2, JSON.stringify(frames));
    assert.match(frames[0]!, /^<13>1 \S+ R4 ospfd - - .*AdjChg: Nbr 10\.255\.0\.6.* Full -> Deleted \(KillNbr\)$/);
    assert.match(frames[1]!, /^<13>1 \S+ R4 ospfd - - .*second line$/);
    assert.ok(!received.includes('an old line'), 'lines from before the start are not sent');
  } finally {
    try {
      process.kill(-forwarder.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
});
