import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExabgpWorkDir, sweepAbandonedWorkDirs } from '../../../src/live/work-dir.js';

test('a work folder left by a dead pathmon is removed; live owners and half-made folders are kept', (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'pmt-workdir-'));
  t.after(() => rmSync(parent, { recursive: true, force: true }));
  // A pid that surely ended: a child that has already exited and been reaped.
  const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const abandoned = join(parent, 'pathmon-exabgp-dead');
  mkdirSync(abandoned);
  writeFileSync(join(abandoned, 'owner.pid'), `${deadPid}\n`);
  const halfMade = join(parent, 'pathmon-exabgp-new');
  mkdirSync(halfMade);
  const unrelated = join(parent, 'something-else');
  mkdirSync(unrelated);

  const mine = createExabgpWorkDir(parent);

  assert.equal(existsSync(abandoned), false);
  assert.equal(existsSync(halfMade), true);
  assert.equal(existsSync(unrelated), true);
  assert.equal(readFileSync(join(mine, 'owner.pid'), 'utf8').trim(), String(process.pid));
  assert.equal(sweepAbandonedWorkDirs(parent), 0, 'a folder whose owner runs is kept');
  assert.equal(existsSync(mine), true);
});
