/**
 * A round's path transitions are stored in one statement (a fabric-wide outage moves tens of thousands
 * of paths at once): on both backends, every one is stored, in the order given, and reads back as the
 * latest state of its path.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TransitionRecord } from '../../../src/store/records.js';
import { backends, type OpenedStore } from './backends.js';

const T0 = 1_800_000_000_000;
const transition = (pathId: string, to: 'UP' | 'DOWN', atMs: number): TransitionRecord => ({
  pathId,
  atMs,
  from: to === 'DOWN' ? 'UP' : null,
  to,
  reason: `${pathId} ${to} ("quoted", \\ and 'apostrophes')`,
  evidence: { rounds: [], thresholds: { delayMs: 15, lossPct: 5 }, hysteresisRounds: 3 },
});

for (const backend of await backends()) {
  describe(`transitions in one statement on ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedStore;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      await opened?.dispose().catch(() => undefined);
    });

    it('stores every transition of a batch, in order, and an empty batch is a no-op', async () => {
      const { store } = opened;
      await store.addTransitions([]);
      const ups = Array.from({ length: 500 }, (_, i) => transition(`p${i}`, 'UP', T0));
      const downs = Array.from({ length: 500 }, (_, i) => transition(`p${i}`, 'DOWN', T0 + 1000));
      await store.addTransitions([...ups, ...downs]);
      const stored = await store.transitions(null, T0);
      assert.equal(stored.length, 1000);
      assert.deepEqual(
        stored.map((t) => `${t.pathId}:${t.to}`),
        [...ups, ...downs].map((t) => `${t.pathId}:${t.to}`),
      );
      assert.equal(stored[0]!.reason, ups[0]!.reason, 'text survives the array round trip');
      const states = await store.currentStates();
      assert.equal(states.get('p7')?.state, 'DOWN');
      assert.equal(states.size, 500);
    });
  });
}
