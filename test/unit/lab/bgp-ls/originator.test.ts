/**
 * The originator's loop against a fake ospfd (the real LSDB answers captured in the nanog76 lab) and a
 * fake gobgpd: what it tells gobgpd, in which order, what it logs for the benchmark, and how it
 * recovers when gobgpd is not there yet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Originator, type OriginatorIo } from '../../../../lab/bgp-ls/originator.js';
import { repoRoot } from '../../../helpers/repo-root.js';

const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'unit', 'lab', 'bgp-ls', 'fixtures', name), 'utf8');
const converged = fixture('nanog76-router-lsdb.json');
const r4r6Down = fixture('nanog76-router-lsdb-r4-r6-down.json');
const names = new Map(Array.from({ length: 6 }, (_, i) => [`10.255.0.${i + 1}`, `R${i + 1}`]));

function harness() {
  const calls: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const state = { lsdb: converged, gobgpUp: true, clockMs: 1_000 };
  const io: OriginatorIo = {
    readLsdb: async () => state.lsdb,
    addLsPath: async (nlri) => {
      if (!state.gobgpUp) throw new Error('connect ECONNREFUSED 127.0.0.1:50051');
      calls.push(`add ${nlri.readUInt16BE(0)}`);
    },
    deleteLsPath: async (nlri) => {
      if (!state.gobgpUp) throw new Error('connect ECONNREFUSED 127.0.0.1:50051');
      calls.push(`delete ${nlri.readUInt16BE(0)}`);
    },
    nowMs: () => (state.clockMs += 5),
    log: (entry) => logs.push(entry),
  };
  const originator = new Originator(io, { asn: 65001, bgpLsId: 0, names, nextHop: '10.2.0.1', expectedNodes: 6, expectedLinks: 16 });
  return { originator, calls, logs, state };
}

const count = (calls: string[], call: string) => calls.filter((c) => c === call).length;

test('the first poll announces every router, link direction and prefix, and reports convergence', async () => {
  const { originator, calls } = harness();
  const result = await originator.step();
  assert.deepEqual({ nodes: count(calls, 'add 1'), links: count(calls, 'add 2'), prefixes: count(calls, 'add 3') }, { nodes: 6, links: 16, prefixes: 18 });
  assert.equal(result.converged, true);
  assert.equal(originator.sentCount, 40);
});

test('an unchanged IGP sends nothing and logs nothing', async () => {
  const { originator, calls, logs } = harness();
  await originator.step();
  calls.length = 0;
  logs.length = 0;
  await originator.step();
  assert.deepEqual(calls, []);
  assert.deepEqual(logs, []);
});

test('a link going down is withdrawn (both directions and its subnet), and comes back when it is up', async () => {
  const { originator, calls, logs, state } = harness();
  await originator.step();
  calls.length = 0;
  logs.length = 0;
  state.lsdb = r4r6Down;
  const down = await originator.step();
  assert.deepEqual(calls.sort(), ['delete 2', 'delete 2', 'delete 3', 'delete 3']);
  assert.equal(down.converged, false, 'the lab is not whole while a link is down');
  const change = logs.find((entry) => entry['event'] === 'igp-change')!;
  assert.deepEqual((change['withdraw'] as string[]).filter((d) => d.startsWith('link')).sort(), ['link R4>R6 10.1.1.13>10.1.1.12', 'link R6>R4 10.1.1.12>10.1.1.13']);
  const sent = logs.find((entry) => entry['event'] === 'sent')!;
  assert.ok((sent['sentAtMs'] as number) > (sent['seenAtMs'] as number));
  calls.length = 0;
  state.lsdb = converged;
  await originator.step();
  assert.deepEqual(calls.sort(), ['add 2', 'add 2', 'add 3', 'add 3']);
});

test('routes gobgpd refused are sent again on the next poll, and a lasting error is logged once', async () => {
  const { originator, calls, logs, state } = harness();
  state.gobgpUp = false;
  assert.equal((await originator.step()).converged, false);
  await originator.step();
  assert.equal(calls.length, 0);
  assert.equal(logs.filter((entry) => entry['event'] === 'error').length, 1);
  state.gobgpUp = true;
  const result = await originator.step();
  assert.equal(calls.length, 40);
  assert.equal(result.converged, true);
});

test('ospfd answering garbage is logged and changes nothing at gobgpd', async () => {
  const { originator, calls, logs, state } = harness();
  await originator.step();
  calls.length = 0;
  state.lsdb = '% Unknown command: show ip ospf database router json';
  const result = await originator.step();
  assert.deepEqual(calls, []);
  assert.equal(result.converged, false);
  assert.match(String(logs.at(-1)!['message']), /not JSON/);
});
