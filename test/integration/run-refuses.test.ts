/**
 * `pathmon run` refuses to monitor nothing or the wrong thing, with the reason and exit status 1, and
 * checks the cheap things first. Each case runs the built CLI on a small config over the NANOG 76 lab
 * topology (a file: no lab is built). The cases that plan nothing fail before any socket is opened, so
 * they run on this host. The foreign-address case, where dev1's 10.2.0.0 is on no local interface,
 * runs in a network namespace made for it with only loopback: refused without the flag, and one round
 * with --allow-foreign-source, whose probes (like those of a pathmon that failed to refuse) have no
 * route out of the namespace, so nothing leaves the machine.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, runCli, uniqueLabName } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';

const topology = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const dir = mkdtempSync(join(tmpdir(), 'pathmon-run-refuses-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let configs = 0;
/** A config file for `run`: dev1 probing dev2 unless told otherwise. */
function config(lines: { prober?: string; extra?: string } = {}): string {
  const file = join(dir, `monitor-${++configs}.yaml`);
  writeFileSync(
    file,
    `topology: ${topology}
prober: { node: ${lines.prober ?? 'dev1'} }
probing: { intervalMs: 500, probesPerRound: 2, probeSpacingMs: 10, timeoutMs: 200 }
groups: [ { name: lab, endpoints: [dev2] } ]
${lines.extra ?? ''}
`,
  );
  return file;
}

const freshDataDir = (): string => join(dir, `data-${++configs}`);

/** Exit 1, the reason on stderr, and no stack trace at the operator. */
function assertRefused(run: { status: number | null; stderr: string }, reason: RegExp): void {
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, reason);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

test('a prober node the topology does not have is refused before the store is opened', () => {
  const dataDir = freshDataDir();
  const run = runCli(['run', '--config', config({ prober: 'R9' }), '--data-dir', dataDir, '--rounds', '1']);
  assertRefused(run, /prober node "R9".*not in the topology/);
  assert.doesNotMatch(run.stderr, /run: store /, 'refused before the store was opened');
  assert.deepEqual(
    readdirSync(dataDir).filter((name) => name !== 'spill'),
    [],
    'no database created for a run that cannot probe',
  );
});

test('a plan with no path and no cover walk is refused: nothing to monitor', () => {
  const run = runCli(['run', '--config', config({ extra: 'pathBounds: { maxHops: 1 }\nlocalize: { enabled: false }' }), '--data-dir', freshDataDir(), '--rounds', '1']);
  assertRefused(run, /nothing to monitor: 0 paths, 0 cover walks and 0 ICMP\/TCP\/UDP targets/);
  assert.doesNotMatch(run.stderr, /receive timestamps/, 'refused before any probe socket was opened');
});

test('--data-dir naming a regular file is a clear error before the topology is read', () => {
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  const run = runCli(['run', '--config', config(), '--data-dir', file, '--rounds', '1']);
  assertRefused(run, /--data-dir .*not-a-dir is not a directory/);
  assert.doesNotMatch(run.stderr, /run: store /);
  const under = runCli(['run', '--config', config(), '--data-dir', join(file, 'sub'), '--rounds', '1']);
  assertRefused(under, /is not a directory/);
});

test('a --listen beyond loopback without a token is refused before anything is opened', () => {
  const dataDir = freshDataDir();
  const run = runCli(['run', '--config', config(), '--data-dir', dataDir, '--listen', '0.0.0.0:0', '--rounds', '1']);
  assertRefused(run, /--listen 0\.0\.0\.0:0 is beyond localhost/);
  assert.equal(existsSync(dataDir), false, 'checked before the data directory was even created');
  const bad = runCli(['run', '--config', config(), '--data-dir', dataDir, '--listen', 'not a listen', '--rounds', '1']);
  assertRefused(bad, /not a listen address/);
  assert.equal(existsSync(dataDir), false);
});

const netnsSkip = process.getuid?.() !== 0 ? 'needs root for a network namespace and raw sockets' : spawnSync('ip', ['netns', 'list']).status !== 0 ? 'no `ip netns`' : false;

test('a prober address on no local interface is refused; --allow-foreign-source runs (in a namespace with only loopback)', { skip: netnsSkip }, () => {
  const namespace = uniqueLabName();
  assert.equal(spawnSync('ip', ['netns', 'add', namespace]).status, 0);
  try {
    assert.equal(spawnSync('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']).status, 0);
    const dataDir = freshDataDir();
    mkdirSync(dataDir);
    const args = [cliPath, 'run', '--config', config({ extra: 'localize: { enabled: false }' }), '--data-dir', dataDir, '--rounds', '1'];
    const refused = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    assertRefused(refused, /source address 10\.2\.0\.0 \(node "dev1"\) is on no interface of this host.*--allow-foreign-source/);
    assert.doesNotMatch(refused.stderr, /receive timestamps/, 'refused before any probe socket was opened');
    const allowed = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, ...args, '--allow-foreign-source'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.match(allowed.stderr, /probing anyway \(--allow-foreign-source\)/);
    assert.match(allowed.stderr, /stopped after 1 round/);
  } finally {
    spawnSync('ip', ['netns', 'delete', namespace]);
  }
});
