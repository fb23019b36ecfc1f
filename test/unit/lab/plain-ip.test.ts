import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabInterface, LabNode } from '../../../lab/lab-plan.js';
import { applyPlainIp, PLAIN_IP_MARK, PLAIN_IP_QUEUE, plainIpForwarderLines, plainIpRuleset } from '../../../lab/plain-ip.js';
import { parseForwarderCounters } from '../../../lab/router/c-forwarder.js';
import { readReloadAck, waitForReloads, writeReloadAck } from '../../../lab/router/reload-ack.js';

const interfaces: LabInterface[] = [
  { name: 'l0-R1', linkId: 'l0', address: '10.1.1.0', prefixLength: 31, peer: 'R1', peerKind: 'router', peerAddress: '10.1.1.1' },
  { name: 'l2-R4', linkId: 'l2', address: '10.1.1.5', prefixLength: 31, peer: 'R4', peerKind: 'router', peerAddress: '10.1.1.4' },
  { name: 'l9-h1', linkId: 'l9', address: '10.3.0.1', prefixLength: 31, peer: 'h1', peerKind: 'host', peerAddress: '10.3.0.0' },
];
const r2: LabNode = { name: 'R2', kind: 'router', namespace: 'lab.R2', interfaces, routes: [] };
const queue = `-j NFQUEUE --queue-num ${PLAIN_IP_QUEUE} --queue-bypass`;
const rulesOf = (text: string) => text.split('\n').filter((line) => line.startsWith('-A '));

test('no impairment on a router: no packet goes through the queue (unimpaired links forward at kernel speed)', () => {
  const text = plainIpRuleset(r2, {});
  assert.deepEqual(rulesOf(text), []);
  // Still a whole table, so applying it removes the rules an earlier impairment put in.
  assert.match(text, /^\*filter\n:INPUT ACCEPT \[0:0\]\n:FORWARD ACCEPT \[0:0\]\n:OUTPUT ACCEPT \[0:0\]\nCOMMIT\n$/);
});

test('an egress direction queues what is forwarded and what the router sends out of that interface, except its own GRE', () => {
  assert.deepEqual(rulesOf(plainIpRuleset(r2, { 'R2>R4>l2': { delayMs: 5 } })), [`-A FORWARD -o l2-R4 ${queue}`, `-A OUTPUT -o l2-R4 -m mark ! --mark 0x${PLAIN_IP_MARK.toString(16)} ${queue}`]);
});

test("a host's direction is queued where it arrives: forwarded and addressed to the router, except GRE", () => {
  assert.deepEqual(rulesOf(plainIpRuleset(r2, { 'h1>R2>l9': { lossPct: 10 } })), [`-A FORWARD -i l9-h1 ${queue}`, `-A INPUT -i l9-h1 ! -p 47 ${queue}`]);
});

test("a direction that is another router's to apply, or of another link, gives R2 no rule", () => {
  for (const key of ['R4>R2>l2', 'R2>R4>l7', 'R1>R3>l1']) assert.deepEqual(rulesOf(plainIpRuleset(r2, { [key]: { down: true } })), [], key);
});

test('hosts get no rules: they forward nothing', () => {
  assert.equal(plainIpRuleset({ ...r2, name: 'h1', kind: 'host' }, { 'h1>R2>l9': { delayMs: 1 } }), '');
});

test("the forwarder's plain-IP lines bind the queue with the mark, and map every interface to its two addresses", () => {
  assert.deepEqual(plainIpForwarderLines(interfaces), [`plain ${PLAIN_IP_QUEUE} ${PLAIN_IP_MARK}`, 'dev l0-R1 10.1.1.0 10.1.1.1', 'dev l2-R4 10.1.1.5 10.1.1.4', 'dev l9-h1 10.3.0.1 10.3.0.0']);
});

test('with the Node router, or without iptables, the reason is returned rather than thrown', () => {
  const node = applyPlainIp([r2], 'node', {});
  assert.equal(node.impaired, false);
  assert.match(!node.impaired ? node.reason : '', /Node router/);
  // A namespace is needed to get that far; without root only the Node case can be checked.
  if (process.getuid?.() !== 0) return;
  const namespace = `pmtplain${process.pid.toString(36)}`;
  execFileSync('ip', ['netns', 'add', namespace]);
  try {
    const missing = applyPlainIp([{ ...r2, namespace }], 'c', {}, 'iptables-restore-not-installed');
    assert.equal(missing.impaired, false);
    assert.match(!missing.impaired ? missing.reason : '', /iptables-restore-not-installed is not installed.*iptables package/);
  } finally {
    execFileSync('ip', ['netns', 'del', namespace]);
  }
});

test('counter lines with the plain-IP fields give a plain section; older lines none', () => {
  const counters = parseForwarderCounters('counters 10 8 3 1 0 0 1 0 2 12.5 40.0 3.1 9.9 1 50 45 20 3 2 0') as {
    forwarded: number;
    realtime: boolean;
    plain?: { received: number; accepted: number; delayed: number; dropped: { down: number; loss: number; verdictError: number } };
  };
  assert.equal(counters.forwarded, 8);
  assert.equal(counters.realtime, true);
  assert.deepEqual(counters.plain, { received: 50, accepted: 45, delayed: 20, dropped: { down: 3, loss: 2, verdictError: 0 } });
  assert.equal('plain' in (parseForwarderCounters('counters 10 8 3 1 0 0 1 0 2 12.5 40.0 3.1 9.9 1') as object), false);
  assert.equal(parseForwarderCounters('counters 10 8 3 1 0 0 1 0 2 12.5 40.0 3.1 9.9 1 50 45'), undefined, 'a cut line is refused');
  assert.equal(parseForwarderCounters('counters 10 8 3 1 0 0 1 0 2 12.5 40.0 3.1 9.9 1 50 45 20 3 2 x'), undefined);
});

test('reload acknowledgements: waiting ends when every router has moved past its generation, and names the late ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pathmon-ack-'));
  try {
    assert.equal(readReloadAck(dir, 'R1'), 0);
    writeReloadAck(dir, 'R1', 3);
    writeReloadAck(dir, 'R2', 7);
    assert.equal(readReloadAck(dir, 'R1'), 3);
    const before = new Map([
      ['R1', 3],
      ['R2', 7],
    ]);
    writeReloadAck(dir, 'R1', 4);
    const started = Date.now();
    assert.deepEqual(waitForReloads(dir, before, 100), ['R2']);
    assert.ok(Date.now() - started >= 100, 'it waited the whole timeout for R2');
    writeReloadAck(dir, 'R2', 8);
    assert.deepEqual(waitForReloads(dir, before, 1000), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
