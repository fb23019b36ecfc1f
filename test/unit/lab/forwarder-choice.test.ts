import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseForwarder, describeForwarder } from '../../../lab/router/forwarder-choice.js';
import { NativeHelperError } from '../../../probes/transport/native-helper.js';

const builds = () => '/cache/gre-forward-abc';
const noCompiler = () => {
  throw new NativeHelperError('gre-forward', 'could not compile gre-forward.c: cc: not found; expected a C compiler as $CC or cc');
};

test('C is the default wherever it builds', () => {
  for (const setting of [undefined, '', 'c', 'C', ' c ']) {
    assert.deepEqual(chooseForwarder(setting, builds), { kind: 'c', binary: '/cache/gre-forward-abc' }, String(setting));
  }
});

test('without a compiler the default falls back to Node and says why', () => {
  const choice = chooseForwarder(undefined, noCompiler);
  assert.equal(choice.kind, 'node');
  assert.ok(choice.kind === 'node' && choice.fallback);
  assert.match(describeForwarder(choice), /Node.*cc: not found/);
});

test('PATHMON_LAB_ROUTER=node forces Node without trying to build C', () => {
  let built = false;
  const choice = chooseForwarder('node', () => {
    built = true;
    return 'x';
  });
  assert.deepEqual(choice, { kind: 'node', reason: 'PATHMON_LAB_ROUTER=node', fallback: false });
  assert.equal(built, false);
});

test('PATHMON_LAB_ROUTER=c insists: no silent fallback when C does not build', () => {
  assert.throws(() => chooseForwarder('c', noCompiler), /PATHMON_LAB_ROUTER=c but .*cc: not found/);
});

test('an unknown setting is refused, naming the value and the choices', () => {
  assert.throws(() => chooseForwarder('rust', builds), /PATHMON_LAB_ROUTER is "rust"; expected "c", "node" or unset/);
});

test('failures other than "cannot build" are not taken for a missing compiler', () => {
  const broken = () => {
    throw new Error('EACCES: permission denied, mkdir /root/.cache/pathmon');
  };
  assert.throws(() => chooseForwarder(undefined, broken), /EACCES/);
});
