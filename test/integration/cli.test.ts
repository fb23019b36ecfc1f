/**
 * The `pathmon` command as an engineer meets it: real files in, text or JSON out, and clear errors with
 * a non-zero exit status for every kind of bad input, never a stack trace.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/repo-root.js';

const routes = fixturePath('seed-hackathon', 'routes.txt');
const exabgp = fixturePath('exabgp', 'netns-frr-ospf-e2e-events.jsonl');
const scratch = mkdtempSync(join(tmpdir(), 'pathmon-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const noStack = (text: string) => !/\n\s+at /.test(text);

test('paths on the hackathon table lists the 8 paths with pinned hop addresses', () => {
  const run = runCli(['paths', '--topology', routes, '--from', '000010000001', '--to', '000010000006', '--mode', 'direct', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const { paths } = JSON.parse(run.stdout) as { paths: { path: string[]; hops: string[] }[] };
  assert.equal(paths.length, 8);
  const r1r2r4r6 = paths.find((path) => path.path.join(' ') === '000010000001 000010000002 000010000004 000010000006')!;
  assert.deepEqual(r1r2r4r6.hops, ['10.1.1.0', '10.1.1.4', '10.1.1.12']);
});

test('paths prints a readable table by default', () => {
  const run = runCli(['paths', '--topology', 'lab/topologies/nanog76.yaml', '--from', 'dev1', '--to', 'dev2']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /dev1 R1 R2 R4 R6 dev2 +10\.2\.0\.1 10\.1\.1\.0 10\.1\.1\.4 10\.1\.1\.12 10\.1\.1\.13 10\.1\.1\.5 10\.1\.1\.1/);
  assert.match(run.stdout, /8 paths from dev1 to dev2 \(loop mode\)/);
});

test('paths on recorded ExaBGP output uses the graph its lines describe, withdraws and re-announces applied', () => {
  const run = runCli(['paths', '--topology', exabgp, '--from', '1.1.1.1', '--to', '3.3.3.3', '--mode', 'direct', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const { paths } = JSON.parse(run.stdout) as { paths: { path: string[]; hops: string[] }[] };
  assert.deepEqual(paths.map((path) => `${path.path.join(' ')}: ${path.hops.join(' ')}`).sort(), ['1.1.1.1 2.2.2.2 3.3.3.3: 10.0.12.2 10.0.23.3', '1.1.1.1 3.3.3.3: 10.0.13.3']);
});

test('the table shows every path IGP cost and marks the IGP choice, ECMP ties included', () => {
  const run = runCli(['paths', '--topology', exabgp, '--from', '1.1.1.1', '--to', '3.3.3.3', '--mode', 'direct']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /IGP cost/);
  assert.match(run.stdout, /\n1 +1 +10 \* +1\.1\.1\.1 3\.3\.3\.3 /);
  assert.match(run.stdout, /\n2 +2 +20 +1\.1\.1\.1 2\.2\.2\.2 3\.3\.3\.3 /);
  assert.match(run.stdout, /\* the IGP's choice/);
  // The lab's YAML gives every link OSPF's default cost: the four 5-link paths tie.
  const yaml = runCli(['paths', '--topology', 'lab/topologies/nanog76.yaml', '--from', 'dev1', '--to', 'dev2']);
  assert.equal((yaml.stdout.match(/ 50 \* /g) ?? []).length, 4, yaml.stdout);
  assert.equal((yaml.stdout.match(/ 70 /g) ?? []).length, 4, yaml.stdout);
});

test('an unknown node names itself and the nodes that exist', () => {
  const run = runCli(['paths', '--topology', 'lab/topologies/nanog76.yaml', '--from', 'dev1', '--to', 'R9']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /no node named "R9".*dev2/);
  assert.ok(noStack(run.stderr));
});

test('no path within the bounds says how long the shortest is', () => {
  const run = runCli(['paths', '--topology', 'lab/topologies/nanog76.yaml', '--from', 'dev1', '--to', 'dev2', '--max-hops', '3']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /within maxHops 3; the shortest has 5 hops/);
});

test('a malformed YAML topology names the field, the value and what was expected', () => {
  const file = join(scratch, 'bad.yaml');
  writeFileSync(file, 'routers:\n  - { name: R1 }\n  - { name: R2 }\nlinks:\n  - { a: R1, aAddress: 10.0.0.0/31, b: R2, bAddress: 10.0.0.300/31 }\n');
  const run = runCli(['paths', '--topology', file, '--from', 'R1', '--to', 'R2']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /links\[0\]\.bAddress/);
  assert.match(run.stderr, /10\.0\.0\.300/);
  assert.ok(noStack(run.stderr));
});

test('a malformed neighbor-table row names its line', () => {
  const file = join(scratch, 'bad-routes.txt');
  writeFileSync(file, 'Rtr_id\tneighbor_add\tRtr_id\tinterface_Add\n000010000002\t10.1.1.5\t000010000004\t10.1.1.4\n000010000004\t10.1.1.4\t000010000002\n');
  const run = runCli(['paths', '--topology', file, '--from', '000010000002', '--to', '000010000004']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /line 3/);
});

test('bad ExaBGP lines are skipped with a count and an excerpt, and the rest is used', () => {
  const file = join(scratch, 'mixed.jsonl');
  const lines = [
    '{ "exabgp": "4.0.1", "type": "update", "neighbor": { "message": { "update": { "attribute": { "bgp-ls": { "link-name": "b\'*971H,"UR\' } } } } } }',
    ...readFileSync(exabgp, 'utf8').split('\n'),
  ];
  writeFileSync(file, lines.join('\n'));
  const run = runCli(['paths', '--topology', file, '--from', '1.1.1.1', '--to', '3.3.3.3', '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /skipped 1 line/);
  assert.equal(JSON.parse(run.stdout).paths.length, 2);
});

test('a file that is none of the three formats is refused as such', () => {
  const file = join(scratch, 'notes.txt');
  writeFileSync(file, 'this is not a topology\njust some notes\n');
  const run = runCli(['paths', '--topology', file, '--from', 'a', '--to', 'b']);
  assert.equal(run.status, 1);
  assert.ok(noStack(run.stderr), run.stderr);
});

test('a missing file and bad option values are clear usage errors', () => {
  const missing = runCli(['paths', '--topology', join(scratch, 'nope.yaml'), '--from', 'a', '--to', 'b']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read topology file .*nope\.yaml: ENOENT/);
  const badCount = runCli(['probe', '--topology', routes, '--from', 'a', '--to', 'b', '--count', 'ten']);
  assert.equal(badCount.status, 2);
  assert.match(badCount.stderr, /--count.*"ten"/);
  const badMode = runCli(['paths', '--topology', routes, '--from', 'a', '--to', 'b', '--mode', 'sideways']);
  assert.equal(badMode.status, 2);
  assert.match(badMode.stderr, /"loop" or "direct"/);
});
