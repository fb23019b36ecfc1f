/**
 * Which socket each kind gets, and what an operator is told when the process may open none: icmp falls
 * back to the unprivileged ping socket only where net.ipv4.ping_group_range admits one of its groups,
 * and otherwise names the capability, the unit-file line and the sysctl to grant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTargetProberWith, parsePingGroupRange, pingGroupsAllow, ProbePermissionError, systemClock, type OpenTargetProberDeps, type TargetIoMode } from '../../../../probes/index.js';
import { FakeTargetNetwork } from './fake-target-network.js';

function deps(refused: TargetIoMode[], range: string | undefined, gid = 1000): OpenTargetProberDeps & { started: TargetIoMode[] } {
  const started: TargetIoMode[] = [];
  return {
    started,
    startIo: async (mode) => {
      started.push(mode);
      if (refused.includes(mode)) throw new ProbePermissionError(`target-io ${mode}: Operation not permitted`, '');
      return new FakeTargetNetwork(mode, () => null);
    },
    clock: systemClock,
    pingGroupRange: () => range,
    groups: () => ({ gid, groups: [gid, 27] }),
    routeSource: async () => '10.0.0.1',
  };
}

test('ping_group_range is parsed and checked against every group of the process', () => {
  assert.deepEqual(parsePingGroupRange('0\t2147483647'), [0, 2147483647]);
  assert.equal(parsePingGroupRange('one two'), undefined);
  assert.equal(pingGroupsAllow('1 0', { gid: 0, groups: [] }), false); // the kernel's default: nobody
  assert.equal(pingGroupsAllow('100 200', { gid: 1000, groups: [150] }), true);
  assert.equal(pingGroupsAllow('100 200', { gid: 1000, groups: [] }), false);
  assert.equal(pingGroupsAllow(undefined, { gid: 1000, groups: [] }), false);
});

test('icmp uses a raw socket when it may', async () => {
  const d = deps([], '1 0');
  const prober = await openTargetProberWith('icmp', {}, d);
  assert.equal(prober.socket, 'raw');
  assert.deepEqual(d.started, ['icmp-raw']);
});

test('without CAP_NET_RAW, icmp falls back to a ping socket where ping_group_range admits a group', async () => {
  const d = deps(['icmp-raw', 'tcp'], '27 27');
  const prober = await openTargetProberWith('icmp', {}, d);
  assert.equal(prober.socket, 'ping-socket');
  assert.deepEqual(d.started, ['icmp-raw', 'icmp-dgram']);
});

test('without either, icmp says exactly what to grant', async () => {
  const d = deps(['icmp-raw', 'icmp-dgram'], '1 0', 65534);
  await assert.rejects(openTargetProberWith('icmp', {}, d), (error: unknown) => {
    assert.ok(error instanceof ProbePermissionError);
    assert.equal(error.code, 'probe-permission');
    assert.match(error.hint, /AmbientCapabilities=CAP_NET_RAW/);
    assert.match(error.hint, /setcap cap_net_raw\+ep /);
    assert.match(error.hint, /sysctl -w net\.ipv4\.ping_group_range="65534 65534"/);
    return true;
  });
  assert.deepEqual(d.started, ['icmp-raw'], 'the ping socket is not tried when the range excludes every group');
});

test('tcp without CAP_NET_RAW names the capability; udp needs none', async () => {
  await assert.rejects(openTargetProberWith('tcp', {}, deps(['tcp'], '0 2147483647')), (error: unknown) => error instanceof ProbePermissionError && /CAP_NET_RAW/.test(error.message));
  const prober = await openTargetProberWith('udp', {}, deps(['icmp-raw', 'tcp'], '1 0'));
  assert.equal(prober.kind, 'udp');
});

test('an unknown kind or a bad source address is refused', async () => {
  await assert.rejects(openTargetProberWith('http' as never, {}, deps([], '1 0')), /expected icmp, tcp or udp/);
  await assert.rejects(openTargetProberWith('icmp', { sourceAddress: 'eth0' }, deps([], '1 0')), /sourceAddress "eth0"/);
});
