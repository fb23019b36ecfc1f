/**
 * The systemd unit pathmon ships (src/service/pathmon.service): `systemd-analyze verify` accepts it
 * without a single warning, its hardening keeps the exposure `systemd-analyze security` reports low, it
 * grants CAP_NET_RAW and nothing else, and the command line it starts is one this pathmon understands.
 *
 * verify insists that ExecStart's program exists, and /usr/bin/pathmon does not on a build machine, so
 * the unit is checked as a copy whose ExecStart runs this checkout's build with the same arguments.
 * Without systemd-analyze the file is skipped, except in CI, where it must run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/repo-root.js';

const unitPath = join(repoRoot, 'src', 'service', 'pathmon.service');
const unitText = readFileSync(unitPath, 'utf8');
const EXEC_START = 'ExecStart=/usr/bin/pathmon run --config /etc/pathmon/pathmon.yaml --data-dir /var/lib/pathmon --listen 127.0.0.1:9470';
/** `systemd-analyze security`'s overall exposure, in tenths (19 is shown as 1.9); the unit scores 1.9. */
const MAX_EXPOSURE_TENTHS = 25;

const analyzeFound = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;
const inCi = process.env.CI === 'true';
const skip = analyzeFound || inCi ? false : 'systemd-analyze is not installed (package systemd); in CI this fails instead';

let scratch = '';
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'pathmon-unit-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The unit as shipped, with ExecStart running this checkout's build (which exists) with the same arguments. */
function runnableCopy(name: string, edit: (text: string) => string = (text) => text): string {
  const file = join(scratch, name);
  writeFileSync(file, edit(unitText.replace('ExecStart=/usr/bin/pathmon ', `ExecStart=${process.execPath} ${cliPath} `)));
  return file;
}

function analyze(args: string[]) {
  const result = spawnSync('systemd-analyze', args, { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(result.error?.message.includes('ENOENT'), true, 'systemd-analyze is not installed; CI must install systemd (lab/install-deps.sh)');
  return result;
}

/** Settings as systemd reads them: the last `Key=` in the file wins for single-valued keys. */
function settings(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) found.set(match[1]!, [...(found.get(match[1]!) ?? []), match[2]!]);
  }
  return found;
}

test('the unit starts pathmon run with the shipped config, data and listen locations', () => {
  assert.ok(unitText.split('\n').includes(EXEC_START), `expected the line ${EXEC_START}`);
});

test('systemd-analyze verify accepts the unit with no warning at all', { skip }, () => {
  const result = analyze(['verify', runnableCopy('pathmon.service')]);
  assert.equal(result.status, 0, result.stderr);
  // verify exits 0 on unknown or misspelt keys and only prints them, so the output must be empty.
  assert.equal(result.stderr.trim(), '');
  assert.equal(result.stdout.trim(), '');
});

test('the no-warning check has teeth: a misspelt hardening key is reported', { skip }, () => {
  const result = analyze(['verify', runnableCopy('misspelt.service', (text) => text.replace('ProtectSystem=strict', 'ProtectSytem=strict'))]);
  assert.match(result.stderr, /Unknown key 'ProtectSytem'/);
});

test(`the hardening keeps systemd-analyze security's exposure at most ${MAX_EXPOSURE_TENTHS / 10}`, { skip }, () => {
  const result = analyze(['security', '--offline=yes', `--threshold=${MAX_EXPOSURE_TENTHS}`, '--no-pager', runnableCopy('pathmon.service')]);
  assert.equal(
    result.status,
    0,
    `${result.stdout
      .split('\n')
      .filter((line) => line.includes('Overall'))
      .join('\n')}\n${result.stderr}`,
  );
});

test('the service holds CAP_NET_RAW and no other capability, as a transient user with its own state directory', () => {
  const unit = settings(unitText);
  assert.deepEqual(unit.get('AmbientCapabilities'), ['CAP_NET_RAW']);
  assert.deepEqual(unit.get('CapabilityBoundingSet'), ['CAP_NET_RAW']);
  assert.deepEqual(unit.get('DynamicUser'), ['yes']);
  assert.deepEqual(unit.get('NoNewPrivileges'), ['yes']);
  assert.deepEqual(unit.get('StateDirectory'), ['pathmon']);
  assert.deepEqual(unit.get('ProtectSystem'), ['strict']);
  assert.deepEqual(unit.get('RestrictAddressFamilies'), ['AF_INET AF_INET6 AF_UNIX AF_NETLINK']);
  // A user namespace would confine CAP_NET_RAW to it, away from the host's network the probes use.
  assert.equal(unit.has('PrivateUsers'), false);
  assert.equal(unit.has('PrivateNetwork'), false);
  // V8 and PGlite's WebAssembly need writable-then-executable memory.
  assert.equal(unit.has('MemoryDenyWriteExecute'), false);
});

test("every option on the unit's command line is one pathmon run accepts", () => {
  // The same arguments with a config that does not exist: pathmon must get past option parsing (exit 2
  // would be a usage error) and stop at reading the config.
  const args = EXEC_START.replace('ExecStart=/usr/bin/pathmon ', '').split(' ');
  const missing = join(scratch, 'absent.yaml');
  args[args.indexOf('--config') + 1] = missing;
  args[args.indexOf('--data-dir') + 1] = join(scratch, 'data');
  const run = runCli(args);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /absent\.yaml/);
  assert.doesNotMatch(run.stderr, /unknown option|error: option/);
});
