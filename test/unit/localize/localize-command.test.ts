/**
 * `pathmon localize --file`: replays an observations file over the nanog76 topology and names the
 * faulty directed link (learning baselines from the file's earlier rounds), in text and --json; a bad
 * file exits 1 and names every bad line and field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { localizeCommand } from '../../../src/commands/localize-command.js';
import { CliError } from '../../../src/cli-error.js';
import { repoRoot } from '../../helpers/repo-root.js';
import { EDGES_NANOG76, cycleWalks } from './nanog76-walks.js';

const topology = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const dir = mkdtempSync(join(tmpdir(), 'pathmon-localize-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** Rounds 1-4 healthy, round 5 with 30 % loss on R4>R6 (per crossing) and 4 ms added on R3>R5; no baselines given. */
function observationsFile(): string {
  const walks = cycleWalks(EDGES_NANOG76, 'dev1', 'R1');
  const lines: string[] = [];
  for (let round = 1; round <= 5; round++) {
    for (const { id, links } of walks) {
      const lossyCrossings = round === 5 ? links.filter((l) => l === 'R4>R6').length : 0;
      const slow = round === 5 ? links.filter((l) => l === 'R3>R5').length * 4 : 0;
      const received = Math.round(100 * 0.7 ** lossyCrossings);
      lines.push(JSON.stringify({ round, id, links, sent: 100, received, rttP50Ms: 0.5 + 0.1 * links.length + slow + (round % 2) * 0.003 }));
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('localizeCommand --file', () => {
  const file = join(dir, 'obs.jsonl');
  writeFileSync(file, observationsFile());

  it('names the lossy and the slow directed link in the faulty round only', async () => {
    const out = sink();
    const err = sink();
    const code = await localizeCommand({ topology, file, waitMs: 1000 }, out.stream, err.stream);
    assert.equal(code, 0, err.text());
    const text = out.text();
    for (let round = 1; round <= 4; round++) assert.match(text, new RegExp(`round ${round} \\(\\d+ routes, [\\d.]+ ms\\): nothing blamed`));
    assert.match(text, /round 5 \(\d+ routes, [\d.]+ ms\): 2 blamed/);
    assert.match(text, /R4→R6\s+loss\s+(29|30)(\.\d+)?\s+-/);
    assert.match(text, /R3→R5\s+delay\s+-\s+4(\.\d+)?/);
    assert.match(text, /summary: 5 round\(s\), 2 subject\(s\) blamed/);
  });

  it('--json gives the same answer as data', async () => {
    const out = sink();
    assert.equal(await localizeCommand({ topology, file, waitMs: 1000, json: true }, out.stream, sink().stream), 0);
    const report = JSON.parse(out.text());
    assert.equal(report.rounds.length, 5);
    const blamed = report.rounds[4].blamed;
    const byLabel = new Map(blamed.map((b: { label: string }) => [b.label, b]));
    assert.deepEqual([...byLabel.keys()].sort(), ['R3→R5', 'R4→R6']);
    const lossy = byLabel.get('R4→R6') as { lossPct: number; state: string; evidence: string[]; support: number };
    assert.equal(lossy.state, 'loss');
    assert.ok(Math.abs(lossy.lossPct - 30) < 3, `loss ${lossy.lossPct}`);
    assert.equal(lossy.evidence.length, lossy.support);
    assert.ok(Math.abs((byLabel.get('R3→R5') as { addedDelayMs: number }).addedDelayMs - 4) < 0.1);
    assert.deepEqual(report.summary.map((s: { label: string }) => s.label).sort(), ['R3→R5', 'R4→R6']);
  });

  it('exits 1 on a bad file and names every bad line and field', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      [
        JSON.stringify({ round: 1, id: 'a', links: ['dev1>R1', 'R1>R7'], sent: 10, received: 10, rttP50Ms: 1 }),
        JSON.stringify({ round: 1, id: 'b', links: ['dev1>R1', 'R1>dev1'], sent: 10, received: 12, rttP50Ms: 1 }),
        JSON.stringify({ round: 1, id: 'c', links: ['dev1>R1', 'R1>dev1'], sent: 10, received: 10, rttP50Ms: -2 }),
        '{oops',
      ].join('\n'),
    );
    const out = sink();
    const err = sink();
    assert.equal(await localizeCommand({ topology, file: bad, waitMs: 1000 }, out.stream, err.stream), 1);
    const text = err.text();
    assert.match(text, /bad\.jsonl:1 links\[1\]: .*R7/);
    assert.match(text, /bad\.jsonl:2 received: 12 is more than sent \(10\)/);
    assert.match(text, /bad\.jsonl:3 rttP50Ms: got -2/);
    assert.match(text, /bad\.jsonl:4 \(line\): not valid JSON/);
    assert.equal(out.text(), '');
  });

  it('refuses ambiguous usage with a usage error', async () => {
    await assert.rejects(localizeCommand({ waitMs: 1000 }, sink().stream, sink().stream), (e: unknown) => e instanceof CliError && e.exitCode === 2);
    await assert.rejects(localizeCommand({ file: 'x', waitMs: 1000 }, sink().stream, sink().stream), /needs --topology/);
  });
});
