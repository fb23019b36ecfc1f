/**
 * ProberTargetRounds: one round over due targets through the kinds' probers. Names are resolved once
 * per round each; a group's targets share one runRound; one prober per kind and source address; a
 * name that does not resolve (or hangs), or a prober that fails to open or run, is a lost round for
 * exactly the targets it concerns, with the reason, and the next round tries again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundStats, type TargetAddressing, type TargetProber, type TargetProberOptions, type TargetRoundOptions, type TargetRoundResult } from '../../../probes/index.js';
import { targetGroupsSchema } from '../../../src/config/target-groups-schema.js';
import { ProberTargetRounds, targetRoutes, type HostResolver } from '../../../src/targets/index.js';

class Prober implements TargetProber {
  readonly rounds: { addresses: string[]; options: TargetRoundOptions }[] = [];
  failNext = false;
  constructor(
    readonly kind: 'icmp' | 'tcp' | 'udp',
    readonly opened: TargetProberOptions,
  ) {}
  async runRound(targets: readonly TargetAddressing[], options: TargetRoundOptions): Promise<TargetRoundResult> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('helper exited');
    }
    this.rounds.push({ addresses: targets.map((t) => t.address), options });
    const samplesNs = targets.map(() => Float64Array.from({ length: options.count }, () => 2e6));
    return {
      perTarget: samplesNs.map((s) => roundStats(s, 0, 0)),
      samplesNs,
      refused: targets.map(() => 0),
      failedSourcePorts: targets.map(() => [7]),
      drops: { malformed: 1, foreign: 2, forged: 3 },
    };
  }
  async close(): Promise<void> {}
}

function setup(yaml: object[], resolver: HostResolver, openFails = 0) {
  const groups = targetGroupsSchema.parse(yaml);
  const routes = targetRoutes(groups, { probing: { probesPerRound: 3, probeSpacingMs: 1, timeoutMs: 100 }, thresholds: { delayMs: 10, lossPct: 5 }, from: 'p' });
  const probers: Prober[] = [];
  let failures = openFails;
  const rounds = new ProberTargetRounds(
    routes,
    async (kind, options) => {
      if (failures-- > 0) throw new Error(`no CAP_NET_RAW for ${kind}`);
      const prober = new Prober(kind, options);
      probers.push(prober);
      return prober;
    },
    { resolver, resolveTimeoutMs: 50 },
  );
  return { routes, rounds, probers };
}

test('each name is resolved once a round; each group is one runRound with its own options; drops add up', async () => {
  const lookups: string[] = [];
  const { routes, rounds, probers } = setup(
    [
      { name: 'a', kind: 'icmp', targets: ['db1', '10.0.0.1'], probesPerRound: 2 },
      { name: 'b', kind: 'icmp', targets: ['db1'], timeoutMs: 40 },
      { name: 'c', kind: 'tcp', targets: ['db1:22'], sourceAddress: '10.9.0.1' },
    ],
    async (host) => {
      lookups.push(host);
      return '10.0.0.7';
    },
  );
  const out = await rounds.run(routes);
  assert.deepEqual(lookups, ['db1']);
  assert.deepEqual(probers.map((p) => [p.kind, p.opened.sourceAddress ?? null]).sort(), [
    ['icmp', null],
    ['tcp', '10.9.0.1'],
  ]);
  const icmp = probers.find((p) => p.kind === 'icmp')!;
  assert.deepEqual(
    icmp.rounds.map((r) => [r.addresses, r.options.count, r.options.timeoutMs]),
    [
      [['10.0.0.7', '10.0.0.1'], 2, 100],
      [['10.0.0.7'], 3, 40],
    ],
  );
  assert.deepEqual(
    out.results.map((r) => [r.address, r.stats.received, r.problem]),
    [
      ['10.0.0.7', 2, null],
      ['10.0.0.1', 2, null],
      ['10.0.0.7', 3, null],
      ['10.0.0.7', 3, null],
    ],
  );
  assert.deepEqual(out.results[3]!.failedSourcePorts, [7]);
  assert.deepEqual(out.drops, { malformed: 3, foreign: 6, forged: 9 });
});

test('a name that does not resolve, or hangs, loses only its own targets, with the reason', async () => {
  const { routes, rounds, probers } = setup([{ name: 'a', kind: 'icmp', targets: ['gone.example', 'slow.example', '10.0.0.1'] }], async (host) => {
    if (host === 'slow.example') return new Promise<string>(() => undefined);
    throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  });
  const out = await rounds.run(routes);
  assert.deepEqual(
    out.results.map((r) => [r.stats.sent, r.stats.received, r.stats.lossPct]),
    [
      [3, 0, 100],
      [3, 0, 100],
      [3, 3, 0],
    ],
  );
  assert.match(out.results[0]!.problem!, /gone\.example did not resolve: ENOTFOUND \(no such name\)/);
  assert.match(out.results[1]!.problem!, /slow\.example did not resolve: no answer within 50 ms/);
  assert.equal(out.results[0]!.samplesNs.length, 3);
  assert.ok(Number.isNaN(out.results[0]!.samplesNs[0]!));
  assert.deepEqual(probers[0]!.rounds[0]!.addresses, ['10.0.0.1']);
});

test('a prober that cannot open or fails a round loses that round with the reason; the next round tries again', async () => {
  const { routes, rounds, probers } = setup([{ name: 'a', kind: 'icmp', targets: ['10.0.0.1'] }], async () => '10.0.0.1', 1);
  await assert.rejects(rounds.open(), /no CAP_NET_RAW for icmp/);
  const first = await rounds.run(routes);
  assert.equal(first.results[0]!.stats.received, 3, 'opened again on the next use');
  probers[0]!.failNext = true;
  const failed = await rounds.run(routes);
  assert.match(failed.results[0]!.problem!, /the icmp prober failed: helper exited/);
  assert.equal(failed.results[0]!.address, '10.0.0.1');
  assert.equal((await rounds.run(routes)).results[0]!.problem, null);
});
