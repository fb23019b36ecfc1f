/**
 * `pathmon plan`'s command function on the NANOG 76 lab file: the text summary names the group and the
 * unreachable links with their reasons and lists each walk with its hop count; --json carries the same
 * plan in a shape scripts can read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { planCommand, type PlanOptions } from '../../../src/commands/plan-command.js';
import { repoRoot } from '../../helpers/repo-root.js';

async function runPlan(extra: Partial<PlanOptions> = {}): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (chunk) => (chunks.out += chunk));
  err.on('data', (chunk) => (chunks.err += chunk));
  const code = await planCommand({ topology: join(repoRoot, 'lab/topologies/nanog76.yaml'), waitMs: 1000, prober: 'dev1', coverage: 2, maxHops: 16, ...extra }, out, err);
  return { code, ...chunks };
}

test('plan prints the summary, the group, the unreachable links and every walk with its hops', async () => {
  const { code, out } = await runPlan();
  assert.equal(code, 0);
  assert.match(out, /^\d+ walks from dev1 \(coverage 2, maxHops 16\)/);
  assert.match(out, /18 directed links: 18 covered ≥ 2, 16 identifiable, 2 in 1 group\(s\) .*, 0 under-covered; 2 unreachable/);
  assert.match(out, /g[0-9a-f]{11} {2}R1→dev1, dev1→R1: every walk leaves and returns over it/);
  assert.match(out, /dev2→R6: it leaves host dev2/);
  assert.match(out, /R6→dev2: it enters host dev2/);
  const walkLines = out.split('\n').filter((line) => /^w[0-9a-f]{11} /.test(line));
  assert.ok(walkLines.length >= 4);
  for (const line of walkLines) {
    const [, route, hops] = /^w[0-9a-f]{11} +(dev1 .* dev1) +(\d+)$/.exec(line) ?? [];
    assert.ok(route, `walk line "${line}" shows the route from and to dev1`);
    assert.equal(Number(hops), route.split(' ').length - 1, `walk line "${line}" counts its hops`);
  }
});

test('plan --json carries walks, coverage, groups and unreachable links', async () => {
  const { code, out } = await runPlan({ json: true });
  assert.equal(code, 0);
  const plan = JSON.parse(out) as {
    walks: { id: string; names: string[]; linkKeys: string[]; hops: number }[];
    coverage: Record<string, number>;
    groups: { labels: string[]; reason: string }[];
    unreachable: { linkKey: string; reason: string }[];
    underCovered: unknown[];
    identifiable: number;
    links: number;
    computeMs: number;
  };
  assert.equal(plan.links, 18);
  assert.equal(plan.identifiable, 16);
  assert.equal(Object.keys(plan.coverage).length, 18);
  assert.ok(Object.values(plan.coverage).every((walks) => walks >= 2));
  assert.deepEqual([...plan.groups[0]!.labels].sort(), ['R1→dev1', 'dev1→R1']);
  assert.equal(plan.unreachable.length, 2);
  assert.deepEqual(plan.underCovered, []);
  for (const walk of plan.walks) {
    assert.equal(walk.hops, walk.linkKeys.length);
    assert.equal(walk.names.length, walk.hops + 1);
    assert.equal(walk.names[0], 'dev1');
  }
  // Coverage agrees with the walks it lists.
  const counted: Record<string, number> = {};
  for (const walk of plan.walks) for (const key of new Set(walk.linkKeys)) counted[key] = (counted[key] ?? 0) + 1;
  assert.deepEqual(counted, plan.coverage);
  assert.ok(plan.computeMs >= 0);
});

test('plan with an unknown prober fails with the topology error, naming it', async () => {
  await assert.rejects(runPlan({ prober: 'nope' }), (error: unknown) => error instanceof Error && /nope/.test(error.message));
});
