/**
 * Replays the whole malformed collection (test/fixtures/malformed/topology/) through the sources, the
 * way gobgp replays its bad inputs: YAML and table files must fail with TopologyError, ExaBGP lines
 * must come back as ok:false or ok:true. Any other exception, from any file, fails the test.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TopologyError } from '../../../topology/errors.js';
import { ExabgpStreamParser, parseExabgpLine, parseNeighborTable, parseYamlTopology, topologyEventsFromText } from '../../../topology/sources/index.js';
import { fixturePath } from '../../helpers/repo-root.js';

const folder = fixturePath('malformed', 'topology');
const files = readdirSync(folder).filter((f) => f !== 'README.md');
const text = (f: string): string => readFileSync(`${folder}/${f}`, 'utf8');

function throwsTopologyError(run: () => unknown, label: string): TopologyError {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof TopologyError, `${label}: threw ${String(err)}, expected a TopologyError`);
    assert.match(err.message, /^topology\.\w+: /, label);
    return err;
  }
  assert.fail(`${label}: accepted malformed input`);
}

describe('malformed collection replay', () => {
  it('holds YAML, table and ExaBGP cases, and nothing else', () => {
    const kinds = new Set(files.map((f) => f.split('-')[0]));
    assert.deepEqual([...kinds].sort(), ['exabgp', 'table', 'yaml']);
  });

  for (const file of files.filter((f) => f.startsWith('yaml-') || f.startsWith('table-'))) {
    it(`${file}: TopologyError from its parser and from topologyEventsFromText`, () => {
      const input = text(file);
      const parse = file.startsWith('yaml-') ? parseYamlTopology : parseNeighborTable;
      const err = throwsTopologyError(() => parse(input, file), file);
      assert.equal(err.code, 'malformed-input');
      assert.ok(err.where?.startsWith(file), `${file}: where ${err.where}`);
      const viaDetect = throwsTopologyError(() => topologyEventsFromText(input, file), `${file} via topologyEventsFromText`);
      assert.ok(['malformed-input', 'unknown-format'].includes(viaDetect.code));
    });
  }

  for (const file of files.filter((f) => f.startsWith('exabgp-'))) {
    it(`${file}: every line is ok:false or ok:true, never an exception`, () => {
      const lines = text(file)
        .split('\n')
        .filter((l) => l !== '');
      let failed = 0;
      for (const [i, line] of lines.entries()) {
        const result = parseExabgpLine(line);
        assert.equal(typeof result.ok, 'boolean', `line ${i + 1}`);
        if (!result.ok) {
          failed++;
          assert.notEqual(result.reason, 'internal error', `line ${i + 1}: ${line.slice(0, 120)}`);
        }
      }
      assert.ok(failed > 0, 'the collection holds lines that must fail');
      // The stream parser and the file entry point see the same lines without throwing either.
      const stream = new ExabgpStreamParser();
      stream.push(text(file));
      stream.end();
      assert.equal(stream.counters().skipped, failed);
      const viaText = topologyEventsFromText(text(file), file);
      assert.equal(viaText.format, 'exabgp-json');
      assert.equal(viaText.skipped.length, failed);
    });
  }

  it('the documented wrong-shape line (NLRIs null, 5, and a bare link) is handled without events', () => {
    const line = '{"exabgp":"4.0.1","type":"update","neighbor":{"message":{"update":{"announce":{"bgp-ls bgp-ls":{"x":[null, 5, {"ls-nlri-type":"bgpls-link"}]}}}}}}';
    const result = parseExabgpLine(line);
    // No peer address: the line cannot be attributed to a session, so it is refused as a whole.
    assert.deepEqual(result, { ok: false, reason: 'bad shape at neighbor.address.peer: expected the peer address', excerpt: line.slice(0, 200) });
    const withPeer = line.replace('"neighbor":{', '"neighbor":{"address":{"peer":"10.0.0.1"},');
    const r = parseExabgpLine(withPeer);
    assert.ok(r.ok);
    assert.deepEqual(r.events, []);
    assert.deepEqual(r.ignored, ['malformed-nlri', 'malformed-nlri', 'malformed-nlri']);
  });
});
