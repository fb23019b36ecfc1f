import { test } from 'node:test';
import assert from 'node:assert/strict';
import { returnPathProblems } from '../../../probes/index.js';

const sysctls = (values: Record<string, string>) => (key: string) => values[key];

test('says which sysctls to set when the prober would drop its own returning probes', () => {
  const problems = returnPathProblems(
    '127.0.0.1',
    sysctls({ 'net/ipv4/conf/lo/accept_local': '0', 'net/ipv4/conf/all/accept_local': '0', 'net/ipv4/conf/all/rp_filter': '2', 'net/ipv4/conf/lo/rp_filter': '0' }),
  );
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /net\.ipv4\.conf\.lo\.accept_local=1/);
  assert.match(problems[1]!, /rp_filter 2/);
});

test('is silent when the host is set up right', () => {
  assert.deepEqual(returnPathProblems('127.0.0.1', sysctls({ 'net/ipv4/conf/all/accept_local': '1', 'net/ipv4/conf/all/rp_filter': '0', 'net/ipv4/conf/lo/rp_filter': '0' })), []);
});

test('an address no interface has is reported, not ignored', () => {
  const problems = returnPathProblems('192.0.2.77', sysctls({}));
  assert.match(problems[0]!, /no interface on this host has address 192\.0\.2\.77/);
});
