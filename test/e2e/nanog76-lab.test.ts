/**
 * The hackathon lab, for real: namespaces, veth links, GRE router processes, raw-socket probes from
 * dev1. Asserts what an engineer would check by hand: every path answers when nothing is wrong; a delay
 * on one link shows on exactly the paths that cross it, twice per loop; a link down loses exactly the
 * paths that cross it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, uniqueLabName } from '../helpers/cli.js';

const lab = uniqueLabName();
const topology = 'lab/topologies/nanog76.yaml';
const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces, raw sockets)' : false;

interface ProbeRow {
  path: string[];
  hops: string[];
  sent: number;
  received: number;
  lossPct: number;
  rttMs: { p50: number; min: number } | null;
}

function probe(mode: 'loop' | 'direct' = 'loop'): ProbeRow[] {
  const run = runCli([
    'lab',
    'exec',
    '--lab',
    lab,
    'dev1',
    '--',
    'pathmon',
    'probe',
    '--topology',
    topology,
    '--from',
    'dev1',
    '--to',
    'dev2',
    '--mode',
    mode,
    '--count',
    '30',
    '--interval-ms',
    '10',
    '--timeout-ms',
    '1000',
    '--json',
  ]);
  assert.equal(run.status, 0, `probe failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as ProbeRow[];
}

function impair(...args: string[]): void {
  const run = runCli(['lab', 'impair', '--lab', lab, ...args]);
  assert.equal(run.status, 0, `impair failed: ${run.stderr}`);
}

const crosses = (row: ProbeRow, a: string, b: string) => row.path.some((name, i) => (name === a && row.path[i + 1] === b) || (name === b && row.path[i + 1] === a));

describe('nanog76 lab', { skip: needsRoot }, () => {
  before(() => {
    const up = runCli(['lab', 'up', topology, '--name', lab]);
    assert.equal(up.status, 0, `lab up failed: ${up.stderr}`);
  });
  after(() => {
    runCli(['lab', 'down', '--lab', lab]);
  });

  test('with no impairment every path of both modes answers every probe', () => {
    for (const mode of ['loop', 'direct'] as const) {
      const rows = probe(mode);
      assert.equal(rows.length, 8);
      for (const row of rows) assert.equal(row.received, row.sent, `${mode} ${row.path.join(' ')} lost probes`);
    }
  });

  // Minimum RTTs are compared: queueing on this shared 2-core machine only ever adds to an RTT, so the
  // minimum is the estimate of a path's delay that CPU contention cannot inflate.
  test('a delay on R2–R4 adds twice the delay (out and back) on exactly the paths that cross it', () => {
    const delayMs = 20;
    const baseline = new Map(probe().map((row) => [row.path.join(' '), row.rttMs!.min]));
    impair('R2', 'R4', '--delay-ms', String(delayMs));
    try {
      const rows = probe();
      const crossing = rows.filter((row) => crosses(row, 'R2', 'R4'));
      assert.equal(crossing.length, 4);
      for (const row of rows) {
        const addedMs = row.rttMs!.min - baseline.get(row.path.join(' '))!;
        const expectedMs = crosses(row, 'R2', 'R4') ? 2 * delayMs : 0;
        assert.ok(Math.abs(addedMs - expectedMs) < 3, `${row.path.join(' ')}: added ${addedMs.toFixed(3)} ms, expected ${expectedMs} ms`);
      }
    } finally {
      impair('R2', 'R4', '--clear');
    }
  });

  test('R4–R6 down: exactly the paths crossing it lose everything, the rest nothing; up again, all return', () => {
    impair('R4', 'R6', '--down');
    try {
      const rows = probe();
      assert.equal(rows.filter((row) => crosses(row, 'R4', 'R6')).length, 4);
      for (const row of rows) assert.equal(row.lossPct, crosses(row, 'R4', 'R6') ? 100 : 0, row.path.join(' '));
    } finally {
      impair('R4', 'R6', '--up', '--clear');
    }
    for (const row of probe()) assert.equal(row.lossPct, 0, `after --up: ${row.path.join(' ')}`);
  });

  test('lab status shows every namespace and a live router process with its counters', () => {
    const run = runCli(['lab', 'status', '--lab', lab, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const status = JSON.parse(run.stdout) as { nodes: { name: string; namespaceExists: boolean; routerAlive?: boolean; counters?: { forwarded: number } }[] };
    assert.equal(status.nodes.length, 8);
    for (const node of status.nodes) {
      assert.ok(node.namespaceExists, node.name);
      if (node.name.startsWith('R')) assert.ok(node.routerAlive, `${node.name} router not running`);
    }
  });
});
