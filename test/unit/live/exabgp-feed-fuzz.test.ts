/**
 * The live feed under fuzz: 100,000 seeded mutations of every ExaBGP fixture line (character flips,
 * truncations, splices, value type swaps, key deletions, duplicated keys, huge numbers, prototype keys)
 * pushed through ExabgpFeed (the parser and the incremental graph update together) in chunks of random
 * size, so lines also break across chunk boundaries as a pipe delivers them. The contract: never throw,
 * count every line, keep the graph consistent, and finish within the test's time bound. The seed is
 * fixed; a failing input is printed so it can join test/fixtures/malformed/topology/.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ExabgpFeed } from '../../../src/live/exabgp-feed.js';
import { TopologyGraph } from '../../../topology/index.js';
import { fixturePath } from '../../helpers/repo-root.js';

const LINES = 100_000;
const SEED = 0xbadfeed;

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

const corpus = [
  ...readdirSync(fixturePath('exabgp'))
    .filter((f) => /\.(json|jsonl)$/.test(f) || f === 'decode-link-name-INVALID-JSON.txt')
    .flatMap((f) => readFileSync(fixturePath('exabgp', f), 'utf8').split('\n')),
  ...readFileSync(fixturePath('malformed', 'topology', 'exabgp-bad-lines.jsonl'), 'utf8').split('\n'),
].filter((l) => l.trim() !== '');

const VALUES: unknown[] = [null, true, 0, -1, 2 ** 53, 1e308, -0, '', '__proto__', 'constructor', '1.1.1.1', '000010000001', [], [[]], {}, { 'router-id': {} }, 'y'.repeat(300)];
const CHARS = '{}[]",:\\ 019.-e\u0000\u00ff\u2028\ud800\n';

function mutate(line: string, rand: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const at = () => Math.floor(rand() * (line.length + 1));
  switch (Math.floor(rand() * 7)) {
    case 0: {
      let out = line;
      for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) {
        const i = Math.floor(rand() * out.length);
        out = out.slice(0, i) + pick([...CHARS]) + out.slice(i + 1);
      }
      return out;
    }
    case 1:
      return line.slice(0, at());
    case 2: {
      const other = pick(corpus);
      return line.slice(0, at()) + other.slice(Math.floor(rand() * other.length));
    }
    case 3:
    case 4: {
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        return line.slice(at());
      }
      const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
      // Depth-limited: the corpus holds deliberately deep nesting.
      const walk = (v: unknown, depth: number): void => {
        if (depth > 40) return;
        if (Array.isArray(v)) v.forEach((x, i) => (slots.push({ parent: v, key: i }), walk(x, depth + 1)));
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) slots.push({ parent: v as Record<string, unknown>, key: k }), walk(x, depth + 1);
      };
      walk(doc, 0);
      for (let n = 1 + Math.floor(rand() * 3); n > 0 && slots.length > 0; n--) {
        const slot = pick(slots);
        if (rand() < 0.3 && !Array.isArray(slot.parent)) delete (slot.parent as Record<string, unknown>)[slot.key as string];
        else (slot.parent as Record<string | number, unknown>)[slot.key] = structuredClone(pick(VALUES));
      }
      return JSON.stringify(doc);
    }
    case 5: // ExaBGP's duplicate keys: the same key twice in one object
      return line.replace(/"(igp-metric|router-id|peer|state|type)": ([^,}]+)/, (m, k) => `${m}, "${k}": ${JSON.stringify(pick(VALUES))}`);
    default:
      return `${line.slice(0, at())}\n${line.slice(at())}`;
  }
}

describe('ExabgpFeed fuzz', () => {
  it(`takes ${LINES.toLocaleString('en')} mutated lines without throwing and keeps the graph consistent`, { timeout: 300_000 }, () => {
    const rand = mulberry32(SEED);
    let ns = 0n;
    const graph = new TopologyGraph();
    const feed = new ExabgpFeed(graph, { nowMs: () => 0, nowNs: () => ns++ });
    let pending = '';
    let newlines = 0;
    for (let i = 0; i < LINES; i++) {
      const line = mutate(corpus[i % corpus.length]!, rand);
      const text = `${line}\n`;
      newlines += text.split('\n').length - 1;
      pending += text;
      if (rand() < 0.3 || i === LINES - 1) {
        // Deliver in pieces of random size, splitting lines mid-way like a pipe does.
        while (pending.length > 0) {
          const cut = 1 + Math.floor(rand() * Math.min(pending.length, 4096));
          const piece = pending.slice(0, cut);
          pending = pending.slice(cut);
          try {
            feed.push(piece);
          } catch (error) {
            assert.fail(`ExabgpFeed.push threw ${(error as Error).stack} on a chunk of line ${i}: ${JSON.stringify(piece.slice(0, 2000))}`);
          }
        }
      }
    }
    const counters = feed.parser.counters();
    assert.equal(counters.lines, newlines, 'every line counted');
    assert.ok(counters.skipped > LINES / 10, `most mutations are unusable and skipped (${counters.skipped})`);
    assert.equal(counters.skippedByReason['internal error'] ?? 0, 0, 'no parser bug was hit');
    for (const link of graph.links()) {
      assert.ok(graph.graph.hasNode(link.from) && graph.graph.hasNode(link.to));
      assert.equal(typeof link.key, 'string');
    }
    assert.ok(['converging', 'live', 'stale'].includes(feed.freshness()));
  });
});
