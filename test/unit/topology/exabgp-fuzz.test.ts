/**
 * A quick in-test fuzz of parseExabgpLine: 20,000 seeded mutations (character flips, truncations,
 * splices, value type swaps, key deletions) of every ExaBGP fixture line. The contract under test is
 * the live feed's: never throw, never hit the internal-error fallback, and whatever events come out
 * are well-formed. The seed is fixed so a failure replays; the failing input is printed so it can be
 * added to test/fixtures/malformed/topology/.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { linkKey, type TopologyEvent } from '../../../topology/model.js';
import { parseExabgpLine } from '../../../topology/sources/index.js';
import { fixturePath } from '../../helpers/repo-root.js';

const ITERATIONS = 20_000;
const SEED = 0x5eed1e55;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const corpus = readdirSync(fixturePath('exabgp'))
  .filter((f) => /\.(json|jsonl)$/.test(f) || f === 'decode-link-name-INVALID-JSON.txt')
  .flatMap((f) => readFileSync(fixturePath('exabgp', f), 'utf8').split('\n'))
  .filter((l) => l.trim() !== '');

const SWAP_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, '', 'x', '__proto__', '1.1.1.1', [], [null], {}, { a: 1 }, 'z'.repeat(500)];
const FLIP_CHARS = '{}[]",:\\ 0129.-aeflnrtu\u0000\u00ff\u2028\ud800';

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };
function slots(value: unknown, out: Slot[] = []): Slot[] {
  if (Array.isArray(value)) value.forEach((v, i) => (out.push({ parent: value, key: i }), slots(v, out)));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push({ parent: value as Record<string, unknown>, key: k });
      slots(v, out);
    }
  }
  return out;
}

function mutate(line: string, random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const at = Math.floor(random() * (line.length + 1));
  switch (Math.floor(random() * 6)) {
    case 0: // character flip
      return line.slice(0, at) + pick([...FLIP_CHARS]) + line.slice(at + 1);
    case 1: // truncation
      return line.slice(0, at);
    case 2: // splice in a piece of another line
      return line.slice(0, at) + pick(corpus).slice(Math.floor(random() * 400), Math.floor(random() * 800)) + line.slice(at);
    default: {
      // structural: swap a value's type, or delete a key, keeping the JSON valid
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        return line.slice(0, at);
      }
      const all = slots(doc);
      if (all.length === 0) return line;
      const { parent, key } = pick(all);
      if (random() < 0.3 && !Array.isArray(parent)) delete parent[key as string];
      else {
        const value = random() < 0.2 ? pick(all).parent : pick(SWAP_VALUES);
        (parent as Record<string | number, unknown>)[key] = structuredClone(value);
      }
      return JSON.stringify(doc);
    }
  }
}

const KINDS = new Set(['node-up', 'node-down', 'link-up', 'link-down', 'prefix-up', 'prefix-down', 'session', 'end-of-rib']);
const optionalNumber = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);

function checkEvent(e: TopologyEvent): void {
  assert.ok(KINDS.has(e.kind), `unknown kind ${e.kind}`);
  if (e.kind === 'link-up') {
    const l = e.link;
    assert.ok(typeof l.from === 'string' && l.from !== '' && typeof l.to === 'string' && l.to !== '');
    assert.equal(l.key, linkKey(l.from, l.to, l.localAddress, l.neighborAddress));
    assert.ok(optionalNumber(l.igpMetric) && optionalNumber(l.teMetric) && optionalNumber(l.maxBandwidthBytesPerSec));
  } else if (e.kind === 'node-up') {
    assert.ok(typeof e.node.id === 'string' && e.node.id !== '' && typeof e.node.name === 'string' && e.node.name !== '');
    assert.ok(!/[|\s]/.test(e.node.id), `node id ${JSON.stringify(e.node.id)} must not hold '|' or whitespace`);
  } else if (e.kind === 'prefix-up' || e.kind === 'prefix-down') {
    assert.ok(typeof e.prefix === 'string' && typeof e.nodeId === 'string');
  } else if (e.kind === 'session') {
    assert.ok(['connected', 'up', 'down'].includes(e.state) && typeof e.peer === 'string');
  }
}

describe('parseExabgpLine fuzz', () => {
  it(`${ITERATIONS} mutations of the fixture lines: zero throws, well-formed results`, () => {
    assert.ok(corpus.length >= 40, 'corpus holds the fixture lines');
    const random = mulberry32(SEED);
    const outcomes = { ok: 0, failed: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      let input = mutate(corpus[i % corpus.length]!, random);
      if (random() < 0.3) input = mutate(input, random);
      try {
        const r = parseExabgpLine(input);
        if (r.ok) {
          outcomes.ok++;
          r.events.forEach(checkEvent);
          assert.ok(r.ignored.every((f) => typeof f === 'string' && f.length <= 80));
        } else {
          outcomes.failed++;
          assert.notEqual(r.reason, 'internal error');
          assert.ok(r.excerpt.length <= 200);
        }
      } catch (err) {
        assert.fail(`iteration ${i} (seed ${SEED}) broke on input ${JSON.stringify(input)}: ${String(err)}`);
      }
    }
    // Both branches must be exercised, or the mutations are too weak (or too strong) to mean anything.
    assert.ok(outcomes.ok > 2_000 && outcomes.failed > 2_000, JSON.stringify(outcomes));
  });
});
