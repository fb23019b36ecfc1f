/**
 * `lab down` must leave nothing behind even when the run that built the lab crashed: its router
 * processes killed and its state directory gone. And `lab up` must refuse to build over leftovers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, uniqueLabName } from '../helpers/cli.js';
import { processAlive } from '../../lab/process-alive.js';

const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces)' : false;
const labNamespaces = (lab: string) =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.startsWith(`${lab}.`));

test('lab down cleans up after a crashed run, and lab up refuses to build over leftovers', { skip: needsRoot }, () => {
  const lab = uniqueLabName();
  try {
    assert.equal(runCli(['lab', 'up', 'lab/topologies/nanog76.yaml', '--name', lab]).status, 0);
    const stateDir = join('/run/pathmon/labs', lab);
    const pids = Object.values(JSON.parse(readFileSync(join(stateDir, 'lab.json'), 'utf8')).routerPids as Record<string, number>);
    process.kill(pids[0]!, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
    assert.equal(labNamespaces(lab).length, 8);

    const again = runCli(['lab', 'up', 'lab/topologies/nanog76.yaml', '--name', lab]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already up or was left behind/);

    const down = runCli(['lab', 'down', '--lab', lab]);
    assert.equal(down.status, 0, down.stderr);
    assert.deepEqual(labNamespaces(lab), []);
    for (const pid of pids) assert.equal(processAlive(pid), false, `router process ${pid} still running`);
  } finally {
    runCli(['lab', 'down', '--lab', lab]);
  }
});
