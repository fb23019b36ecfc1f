/**
 * parseObservationsFile: good lines become observations grouped by round with links resolved to the
 * topology's keys (parallel links by address, full keys too); every kind of bad line is reported with
 * its line and field, all of them at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTopology, topologyEventsFromText } from '../../../topology/index.js';
import { MAX_REPORTED_PROBLEMS, ObservationsFileError, parseObservationsFile } from '../../../src/localize/index.js';

const YAML = `
name: tiny
routers:
  - { name: R1 }
  - { name: R2 }
  - { name: R3 }
hosts:
  - { name: dev1 }
links:
  - { a: dev1, aAddress: 10.2.0.0/31, b: R1, bAddress: 10.2.0.1/31 }
  - { a: R1, aAddress: 10.1.1.1/31, b: R2, bAddress: 10.1.1.0/31 }
  - { a: R1, aAddress: 10.1.2.1/31, b: R2, bAddress: 10.1.2.0/31 }
  - { a: R2, aAddress: 10.1.1.3/31, b: R3, bAddress: 10.1.1.2/31 }
  - { a: R3, aAddress: 10.1.1.5/31, b: R1, bAddress: 10.1.1.4/31 }
`;
const topology = buildTopology(topologyEventsFromText(YAML, 'tiny.yaml').events);
const keyOf = (from: string, to: string, local?: string) =>
  topology.links().find((l) => topology.node(l.from).name === from && topology.node(l.to).name === to && (local === undefined || l.localAddress === local))!.key;

const line = (fields: Record<string, unknown>) => JSON.stringify({ round: 1, id: 'w1', links: ['dev1>R1', 'R1>R3', 'R3>R1', 'R1>dev1'], sent: 10, received: 10, rttP50Ms: 1.2, ...fields });

function problemsOf(text: string) {
  try {
    parseObservationsFile(text, topology, 'obs.jsonl');
  } catch (error) {
    assert.ok(error instanceof ObservationsFileError, String(error));
    return error.problems.map((p) => ({ line: p.line, field: p.field, message: p.message }));
  }
  assert.fail('expected an ObservationsFileError');
}

describe('parseObservationsFile: good input', () => {
  it('groups lines by round in ascending order and resolves names, parallel links and full keys', () => {
    const text = [
      '# a comment, then a blank line',
      '',
      line({ round: 2, id: 'w2' }),
      line({ links: ['dev1>R1', 'R1>R2#10.1.2.1', 'R2>R3', `${keyOf('R3', 'R1')}`, 'R1>dev1'], baselineP50Ms: 1.0, baselineSpreadMs: 0.01 }),
      line({ id: 'w3', received: 0, rttP50Ms: null }),
    ].join('\n');
    const parsed = parseObservationsFile(text, topology);
    assert.deepEqual(
      parsed.rounds.map((r) => [r.round, r.observations.map((o) => o.id)]),
      [
        [1, ['w1', 'w3']],
        [2, ['w2']],
      ],
    );
    const w1 = parsed.rounds[0]!.observations[0]!;
    assert.deepEqual(w1.links, [keyOf('dev1', 'R1'), keyOf('R1', 'R2', '10.1.2.1'), keyOf('R2', 'R3'), keyOf('R3', 'R1'), keyOf('R1', 'dev1')]);
    assert.equal(w1.line, 4);
    assert.equal(w1.baselineP50Ms, 1.0);
    assert.equal(w1.baselineGiven, true);
    assert.equal(parsed.rounds[0]!.observations[1]!.baselineGiven, false);
    assert.equal(parsed.observations, 3);
  });
});

describe('parseObservationsFile: every problem names its line and field', () => {
  const cases: [string, string, { line: number; field: string; pattern: RegExp }][] = [
    ['malformed JSON', '{"round": 1, "id": ', { line: 1, field: '(line)', pattern: /not valid JSON/ }],
    ['not an object', '[1, 2]', { line: 1, field: '(line)', pattern: /expected a JSON object/ }],
    ['missing field', JSON.stringify({ round: 1, id: 'w1', links: ['dev1>R1', 'R1>dev1'], sent: 10, rttP50Ms: 1 }), { line: 1, field: 'received', pattern: /missing/ }],
    ['extra field', line({ recieved: 10 }), { line: 1, field: 'recieved', pattern: /unknown field/ }],
    ['unknown node', line({ links: ['dev1>R1', 'R1>R9'] }), { line: 1, field: 'links[1]', pattern: /R9/ }],
    ['link not in the topology', line({ links: ['dev1>R1', 'R1>dev1', 'dev1>R3'] }), { line: 1, field: 'links[2]', pattern: /not in the topology/ }],
    ['ambiguous parallel link', line({ links: ['dev1>R1', 'R1>R2', 'R2>R3', 'R3>R1', 'R1>dev1'] }), { line: 1, field: 'links[1]', pattern: /ambiguous.*R1>R2#10\.1\.1\.1/ }],
    ['unknown parallel address', line({ links: ['dev1>R1', 'R1>R2#10.9.9.9'] }), { line: 1, field: 'links[1]', pattern: /local address 10\.9\.9\.9/ }],
    ['not a link name', line({ links: ['dev1-R1'] }), { line: 1, field: 'links[0]', pattern: /not a link name/ }],
    ['links that do not meet', line({ links: ['dev1>R1', 'R2>R3'] }), { line: 1, field: 'links[1]', pattern: /leaves R2, but links\[0\] entered R1/ }],
    ['received more than sent', line({ received: 11 }), { line: 1, field: 'received', pattern: /more than sent \(10\)/ }],
    ['negative count', line({ sent: -1 }), { line: 1, field: 'sent', pattern: /whole number >= 0/ }],
    ['negative time', line({ rttP50Ms: -0.5 }), { line: 1, field: 'rttP50Ms', pattern: />= 0/ }],
    ['not a number', line({ baselineP50Ms: '1.0' }), { line: 1, field: 'baselineP50Ms', pattern: /expected a number/ }],
    ['fractional count', line({ sent: 2.5 }), { line: 1, field: 'sent', pattern: /whole number/ }],
    ['rtt with nothing received', line({ received: 0, rttP50Ms: 3 }), { line: 1, field: 'rttP50Ms', pattern: /nothing was received/ }],
    ['empty links', line({ links: [] }), { line: 1, field: 'links', pattern: /non-empty array/ }],
    ['duplicate id in a round', `${line({})}\n${line({})}`, { line: 2, field: 'id', pattern: /already appears in round 1 \(line 1\)/ }],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      const problems = problemsOf(text);
      const found = problems.find((p) => p.line === expected.line && p.field === expected.field);
      assert.ok(found, `no problem at line ${expected.line} field ${expected.field}: ${JSON.stringify(problems)}`);
      assert.match(found.message, expected.pattern);
    });
  }

  it('reports every bad line, not just the first, and caps the list', () => {
    const text = [line({}), line({ id: 'w2', received: 20 }), line({ id: 'w3' }), line({ id: 'w4', rttP50Ms: 'fast' })].join('\n');
    assert.deepEqual(
      problemsOf(text).map((p) => [p.line, p.field]),
      [
        [2, 'received'],
        [4, 'rttP50Ms'],
      ],
    );
    const many = Array.from({ length: 80 }, (_, i) => line({ id: `w${i}`, sent: -1 })).join('\n');
    try {
      parseObservationsFile(many, topology, 'obs.jsonl');
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof ObservationsFileError);
      assert.equal(error.problems.length, MAX_REPORTED_PROBLEMS);
      assert.equal(error.total, 80);
      assert.match(error.message, /obs\.jsonl:1 sent: .*\n[\s\S]*and 30 more/);
    }
  });
});
