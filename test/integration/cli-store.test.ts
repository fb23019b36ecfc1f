/**
 * The built `pathmon` on data directories that are not there or cannot be: `report --data-dir
 * /proc/nope` used to spin at full CPU for over ten minutes (Node's recursive mkdir loops under /proc),
 * `report` on a missing folder created a 39 MB database there and exited 0, and a --data-dir naming a
 * regular file printed a stack trace. Each now exits 1 at once with a message naming the path, and
 * creates nothing. (The 60 s spawn timeout only stops a hang; a pass takes about a second.)
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

function assertCleanFailure(run: ReturnType<typeof runCli>, pattern: RegExp): void {
  assert.equal(run.status, 1, `exit status (stderr: ${run.stderr})`);
  assert.match(run.stderr, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

describe('pathmon read-only commands on bad data directories', () => {
  const root = mkdtempSync(join(tmpdir(), 'pathmon-cli-store-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('report --data-dir /proc/nope exits 1 with a clear message instead of spinning', () => {
    assertCleanFailure(runCli(['report', '--data-dir', '/proc/nope']), /^pathmon: store\.openStore: .*\/proc\/nope\/db does not exist; expected a PGlite data directory/m);
  });

  it('report and history on a missing folder exit 1 and create nothing', () => {
    const missing = join(root, 'not-here');
    assertCleanFailure(runCli(['report', '--data-dir', missing]), /not-here\/db does not exist/);
    assertCleanFailure(runCli(['history', 'abc', '--data-dir', missing]), /not-here\/db does not exist/);
    assert.equal(existsSync(missing), false, 'nothing created');
  });

  it('report on an empty folder says it is not a data directory and leaves it empty', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    assertCleanFailure(runCli(['report', '--db', `pglite:${empty}`]), /empty is not a PGlite data directory/);
    assert.deepEqual(readdirSync(empty), []);
  });

  it('--data-dir naming a regular file is a clear error, not a stack trace', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    assertCleanFailure(runCli(['report', '--data-dir', file]), /a-file is a regular file; expected a directory/);
    assertCleanFailure(runCli(['report', '--db', `pglite:${file}`]), /a-file is a regular file; expected a directory/);
  });
});
