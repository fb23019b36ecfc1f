/**
 * `pathmon lab` takes `--lab NAME` anywhere before `--` and in every command (`up` included, where it
 * used to be `--name`, still accepted with a note). Run against an empty labs directory, so each case
 * ends in an error that shows which lab name the command received, and nothing is built.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/repo-root.js';

const labCli = join(repoRoot, 'dist', 'lab', 'cli.js');
let labsDir = '';

before(() => {
  labsDir = mkdtempSync(join(tmpdir(), 'pathmon-labs-'));
});
after(() => rmSync(labsDir, { recursive: true, force: true }));

function lab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PATHMON_LABS_DIR: labsDir };
  delete env.PATHMON_LAB;
  const run = spawnSync(process.execPath, [labCli, ...args], { cwd: repoRoot, encoding: 'utf8', env, timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const namesGhost = (run: ReturnType<typeof lab>) => {
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /no lab named "ghost" is up/);
};

test('--lab before the command, after it, and after exec NODE all name the lab', () => {
  namesGhost(lab(['--lab', 'ghost', 'status']));
  namesGhost(lab(['status', '--json', '--lab', 'ghost']));
  namesGhost(lab(['status', '--lab=ghost']));
  namesGhost(lab(['exec', 'dev1', '--lab', 'ghost', '--', 'true']));
  namesGhost(lab(['impair', 'R1', '--lab', 'ghost', 'R2', '--loss-pct', '5']));
  // down is the clean-up after a crashed run, whose state may be gone: a named lab is cleaned, not refused.
  const down = lab(['down', '--lab', 'ghost']);
  assert.equal(down.status, 0, down.stderr);
  assert.match(down.stdout, /lab ghost is down: removed 0 namespaces/);
  namesGhost(lab(['forward', '--port', '8080', '--lab', 'ghost', '--node', 'dev1']));
});

test('after `--`, --lab belongs to the command being run', () => {
  // With no lab up and none named before `--`, the lab is not chosen from the command's arguments.
  const run = lab(['exec', 'dev1', '--', 'pathmon', 'lab', 'status', '--lab', 'ghost']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /no lab is up/);
});

test('up takes --lab; --name still works with a deprecation note; two names are refused', () => {
  const topology = join(repoRoot, 'lab/topologies/nanog76.yaml');
  // An unusable name fails before anything is built, and shows which name arrived.
  const withLab = lab(['up', '--lab', 'Bad_Name', topology]);
  assert.equal(withLab.status, 1, withLab.stderr);
  assert.match(withLab.stderr, /lab name "Bad_Name" is not usable/);
  assert.doesNotMatch(withLab.stderr, /deprecated/);
  const withName = lab(['up', topology, '--name', 'Bad_Name']);
  assert.equal(withName.status, 1, withName.stderr);
  assert.match(withName.stderr, /--name is deprecated; it is --lab NAME now/);
  assert.match(withName.stderr, /lab name "Bad_Name" is not usable/);
  const both = lab(['up', topology, '--name', 'a1', '--lab', 'b2']);
  assert.equal(both.status, 1);
  assert.match(both.stderr, /--lab given as a1 and b2; expected one lab name/);
});
