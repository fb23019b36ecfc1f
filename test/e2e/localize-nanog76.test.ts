/**
 * Which link is broken, in the nanog76 lab: one prober (dev1), the monitor's cover walks and per-link
 * estimates, one fault at a time on one directed link or both directions, then two at once. See
 * support/localize-lab.ts for what each check asserts. Slow by nature (rounds of 1 s, three to open and
 * three to resolve each incident), so it covers each kind of fault once or twice rather than every
 * combination; the estimator's unit tests and the localize benchmark cover the combinations.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pgUnreachableReason } from '../helpers/test-postgres.js';
import { startLocalizeLab, type LocalizeLab } from './support/localize-lab.js';

const needsRoot = process.getuid?.() !== 0 ? 'the lab needs root (network namespaces, raw sockets)' : false;
const skip = needsRoot || (await pgUnreachableReason()) || false;

describe('link localization in the nanog76 lab', { skip }, () => {
  let lab: LocalizeLab;
  before(async () => {
    lab = await startLocalizeLab({ topology: 'lab/topologies/nanog76.yaml', prober: 'dev1', endpoints: ['dev2'] });
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

  test('R4→R6 down one way: one incident naming R4→R6, data plane down', async () => {
    await lab.check([{ impair: ['R4', 'R6', '--down', '--one-way'], label: 'R4→R6', kind: 'down' }]);
  });

  test('R2→R5 losing 20 % one way', async () => {
    await lab.check([{ impair: ['R2', 'R5', '--loss-pct', '20', '--one-way'], label: 'R2→R5', kind: 'loss', applied: 20 }]);
  });

  test('R3–R5 losing 5 % both ways', async () => {
    await lab.check([{ impair: ['R3', 'R5', '--loss-pct', '5'], label: 'R3↔R5', kind: 'loss', applied: 5 }]);
  });

  test('R1→R3 losing 100 % one way', async () => {
    await lab.check([{ impair: ['R1', 'R3', '--loss-pct', '100', '--one-way'], label: 'R1→R3', kind: 'down' }]);
  });

  test('R2–R4 delayed 10 ms both ways', async () => {
    await lab.check([{ impair: ['R2', 'R4', '--delay-ms', '10'], label: 'R2↔R4', kind: 'delay', applied: 10 }]);
  });

  test('R5→R6 delayed 2 ms one way', async () => {
    await lab.check([{ impair: ['R5', 'R6', '--delay-ms', '2', '--one-way'], label: 'R5→R6', kind: 'delay', applied: 2 }]);
  });

  test('two links at once: R4–R6 down and R3→R5 losing 20 %: two incidents', async () => {
    await lab.check([
      { impair: ['R4', 'R6', '--down'], label: 'R4↔R6', kind: 'down' },
      { impair: ['R3', 'R5', '--loss-pct', '20', '--one-way'], label: 'R3→R5', kind: 'loss', applied: 20 },
    ]);
  });
});
