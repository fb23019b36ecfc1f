/**
 * Which link is broken, in the fabric lab (a Clos joined to a WAN ring with a parallel pair, an
 * expensive ring link and a dead end): the prober prb on leaf L1, the monitor's cover walks and
 * per-link estimates. See support/localize-lab.ts for what each check asserts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pgUnreachableReason } from '../helpers/test-postgres.js';
import { startLocalizeLab, type LocalizeLab } from './support/localize-lab.js';

const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces, raw sockets)' : false;
const skip = needsRoot || (await pgUnreachableReason()) || false;

describe('link localization in the fabric lab', { skip }, () => {
  let lab: LocalizeLab;
  before(async () => {
    lab = await startLocalizeLab({ topology: 'lab/topologies/fabric.yaml', prober: 'prb', endpoints: ['ep1', 'ep2', 'ep3'] });
  });
  after(async () => {
    await lab?.close();
  });

  test('100 fault-free rounds open no incident', async () => {
    const incidents = await lab.quietRounds(100);
    assert.deepEqual(
      incidents.map((i) => i.summary),
      [],
    );
  });

  test('S2→W2 down one way', async () => {
    await lab.check([{ impair: ['S2', 'W2', '--down', '--one-way'], label: 'S2→W2', kind: 'down' }]);
  });

  test('W3→W4 losing 20 % one way', async () => {
    await lab.check([{ impair: ['W3', 'W4', '--loss-pct', '20', '--one-way'], label: 'W3→W4', kind: 'loss', applied: 20 }]);
  });

  test('W1→W4 (the expensive ring link) losing 5 % one way', async () => {
    await lab.check([{ impair: ['W1', 'W4', '--loss-pct', '5', '--one-way'], label: 'W1→W4', kind: 'loss', applied: 5 }]);
  });

  test('L1–S1 losing 100 % both ways', async () => {
    await lab.check([{ impair: ['L1', 'S1', '--loss-pct', '100'], label: 'L1↔S1', kind: 'down' }]);
  });

  test('L4–S1 delayed 10 ms both ways', async () => {
    await lab.check([{ impair: ['L4', 'S1', '--delay-ms', '10'], label: 'L4↔S1', kind: 'delay', applied: 10 }]);
  });

  test('two links at once: W2→W3 delayed 2 ms and L2–S2 down', async () => {
    await lab.check([
      { impair: ['W2', 'W3', '--delay-ms', '2', '--one-way'], label: 'W2→W3', kind: 'delay', applied: 2 },
      { impair: ['L2', 'S2', '--down'], label: 'L2↔S2', kind: 'down' },
    ]);
  });
});
