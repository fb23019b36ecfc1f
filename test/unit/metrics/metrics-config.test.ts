/**
 * The config's `metrics:` section: its defaults, what it accepts, and the mistakes it names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../../src/config/index.js';

const FILE = '/etc/pathmon/monitor.yaml';
const minimal = `
topology: topo.yaml
prober: { node: dev1 }
groups: [ { name: g, endpoints: [dev2] } ]
`;

function configError(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the config to be rejected');
}

test('without a metrics section: buckets from 10 µs to 1 s and per-path histograms on', () => {
  const { metrics } = parseConfig(minimal, FILE);
  assert.deepEqual(metrics, { rttBucketsMs: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000], pathHistograms: true });
});

test('the section sets the buckets and the per-path histogram switch', () => {
  const { metrics } = parseConfig(`${minimal}metrics: { rttBucketsMs: [0.005, 0.1, 2, 40], pathHistograms: false }\n`, FILE);
  assert.deepEqual(metrics, { rttBucketsMs: [0.005, 0.1, 2, 40], pathHistograms: false });
  assert.deepEqual(parseConfig(`${minimal}metrics: { pathHistograms: false }\n`, FILE).metrics.rttBucketsMs.length, 16);
});

test('bounds out of order, out of range, an empty list, a wrong type and an unknown key are named', () => {
  const order = configError(`${minimal}metrics: { rttBucketsMs: [1, 5, 5, 2] }\n`);
  assert.equal(order.path, 'metrics.rttBucketsMs[2]');
  assert.match(order.message, /metrics\.rttBucketsMs\[2\] \(5\) is not above metrics\.rttBucketsMs\[1\] \(5\)/);
  assert.match(order.message, /metrics\.rttBucketsMs\[3\] \(2\) is not above/);
  assert.equal(configError(`${minimal}metrics: { rttBucketsMs: [0, 1] }\n`).path, 'metrics.rttBucketsMs[0]');
  assert.equal(configError(`${minimal}metrics: { rttBucketsMs: [] }\n`).path, 'metrics.rttBucketsMs');
  assert.equal(configError(`${minimal}metrics: { rttBucketsMs: [${Array.from({ length: 41 }, (_, i) => i + 1).join(', ')}] }\n`).path, 'metrics.rttBucketsMs');
  assert.equal(configError(`${minimal}metrics: { pathHistograms: "no" }\n`).path, 'metrics.pathHistograms');
  const unknown = configError(`${minimal}metrics: { rttBuckets: [1] }\n`);
  assert.equal(unknown.path, 'metrics.rttBuckets');
  assert.match(unknown.message, /expected one of rttBucketsMs, pathHistograms/);
});
