/**
 * What an agent reads about its host: the id (machine id, or the configured override, validated),
 * CAP_NET_RAW from the capability mask (root without it in a container is the confusing case), and the
 * fleet config's checks (hold time at least twice the report interval).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentIdFor, detectCapabilities, FleetError, fleetConfigSchema, hasNetRaw, hostInterfaces } from '../../../src/fleet/index.js';

describe('fleet agent identity', () => {
  it('takes the machine id, or a valid override, and says what is missing otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pathmon-fleet-id-'));
    try {
      const file = join(dir, 'machine-id');
      writeFileSync(file, '0123456789abcdef0123456789abcdef\n');
      assert.equal(agentIdFor(undefined, [join(dir, 'missing'), file]), '0123456789abcdef0123456789abcdef');
      assert.equal(agentIdFor('probe-7', [file]), 'probe-7');
      assert.throws(
        () => agentIdFor('bad id!', [file]),
        (e: unknown) => e instanceof FleetError && e.code === 'bad-value' && /"bad id!"/.test(e.message),
      );
      assert.throws(
        () => agentIdFor(undefined, [join(dir, 'missing')]),
        (e: unknown) => e instanceof FleetError && /fleet\.agentId/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads CAP_NET_RAW from CapEff and limits probe kinds without it', () => {
    assert.equal(hasNetRaw('Name:\tnode\nCapEff:\t000001ffffffffff\n'), true);
    assert.equal(hasNetRaw('CapEff:\t0000000000002000\n'), true);
    assert.equal(hasNetRaw('CapEff:\t0000000000000000\n'), false);
    assert.equal(hasNetRaw('no capabilities line'), false);
    assert.deepEqual(detectCapabilities(null, false).probeKinds, ['tcp', 'udp']);
    assert.deepEqual(detectCapabilities(true, true), { rawSockets: true, kernelTimestamps: true, probeKinds: ['gre', 'icmp', 'tcp', 'udp'] });
  });

  it('lists the loopback interface with its address', () => {
    const lo = hostInterfaces().find((i) => i.name === 'lo');
    assert.ok(lo?.internal && lo.addresses.includes('127.0.0.1/8'));
  });

  it('checks the fleet config: names, roles, and a hold time of at least two report intervals', () => {
    assert.equal(fleetConfigSchema.safeParse({ name: 'dc1', holdTimeMs: 30_000, reportIntervalMs: 10_000, role: 'pathmon_agent_1' }).success, true);
    const short = fleetConfigSchema.safeParse({ name: 'dc1', holdTimeMs: 15_000, reportIntervalMs: 10_000 });
    assert.equal(short.success, false);
    assert.match(JSON.stringify(short.error?.issues), /at least twice reportIntervalMs/);
    assert.equal(fleetConfigSchema.safeParse({ name: 'dc1', role: 'Bad-Role' }).success, false);
    assert.equal(fleetConfigSchema.safeParse({ name: 'dc1', holdtime: 3 }).success, false, 'unknown key');
  });
});
