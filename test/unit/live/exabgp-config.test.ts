/**
 * buildExabgpConfig: pathmon's process and api blocks are added to the engineer's configuration
 * without changing anything else, an api block of theirs is kept beside ours, hold times are read,
 * and configurations pathmon cannot use are refused with a clear error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildExabgpConfig, TopologySourceError } from '../../../src/live/index.js';

const RUN = '/usr/bin/python3 /tmp/x/pathmon-forwarder.py';
const badConfig = (err: unknown): boolean => err instanceof TopologySourceError && err.code === 'bad-exabgp-config';

const userConfig = `# my lab { with braces in a comment }
process mine { run /usr/local/bin/my-script; encoder json; }
neighbor 10.0.0.1 {
    router-id 10.0.0.2; local-address 10.0.0.2; local-as 65002; peer-as 65001;
    description "core } router";
    hold-time 9;
    family { bgp-ls bgp-ls; ipv4 unicast; }
    api mine { processes [ mine ]; receive { update; } }
}
neighbor 10.0.0.3 {
    local-as 65002; peer-as 65001;
    family { ipv4 unicast; }
}
`;

describe('buildExabgpConfig', () => {
  it('adds a process block and an api block per neighbor, and changes nothing else', () => {
    const { text, neighbors, notes } = buildExabgpConfig(userConfig, 'lab.conf', RUN);
    assert.match(text, /^# added by pathmon[^\n]*\nprocess pathmon-feed \{\n {4}run \/usr\/bin\/python3 \/tmp\/x\/pathmon-forwarder.py;\n {4}encoder json;\n\}/);
    assert.equal(text.match(/api pathmon-feed \{/g)?.length, 2);
    assert.match(text, /receive \{ parsed; update; notification; keepalive; \}/);
    // Remove what was added: the engineer's text is what is left, byte for byte.
    const stripped = text
      .replace(/^# added by pathmon[^\n]*\nprocess pathmon-feed \{[^}]*\}\n\n/, '')
      .replace(/\n {4}# added by pathmon: its topology feed\n {4}api pathmon-feed \{\n[^}]*receive \{[^}]*\}\n {4}\}\n/g, '');
    assert.equal(stripped, userConfig);
    assert.deepEqual(neighbors, [
      { peer: '10.0.0.1', holdTimeS: 9, hasBgpLs: true, userApiBlocks: 1 },
      { peer: '10.0.0.3', holdTimeS: 180, hasBgpLs: false, userApiBlocks: 0 },
    ]);
    assert.ok(notes.some((n) => n.includes('10.0.0.1') && n.includes('kept your 1 api block')));
    assert.ok(notes.some((n) => n.includes('10.0.0.3') && n.includes('bgp-ls')));
  });

  it('the api block goes inside its neighbor, after the brace in a quoted description', () => {
    const { text } = buildExabgpConfig(userConfig, 'lab.conf', RUN);
    const first = text.indexOf('neighbor 10.0.0.1');
    const api = text.indexOf('api pathmon-feed', first);
    assert.ok(api > text.indexOf('api mine', first) && api < text.indexOf('neighbor 10.0.0.3'));
  });

  it('picks another process name when the engineer already uses pathmon-feed', () => {
    const { text } = buildExabgpConfig(`process pathmon-feed { run /bin/true; }\nneighbor 1.1.1.1 { family { bgp-ls bgp-ls; } }\n`, 'x', RUN);
    assert.match(text, /process pathmon-feed-2 \{/);
    assert.match(text, /processes \[ pathmon-feed-2 \]/);
  });

  it('refuses configurations pathmon cannot use', () => {
    for (const text of [
      '',
      'neighbor 1.1.1.1 { family { ipv4 unicast; } }',
      'neighbor 1.1.1.1 { family { bgp-ls bgp-ls; }',
      'neighbor 1.1.1.1 { family { bgp-ls bgp-ls; } } }',
      'neighbor 1.1.1.1 { description "never closed; }',
      'neighbor { family { bgp-ls bgp-ls; } }',
      'neighbor 1.1.1.1 { hold-time soon; family { bgp-ls bgp-ls; } }',
    ]) {
      assert.throws(() => buildExabgpConfig(text, 'x.conf', RUN), badConfig, text);
    }
  });
});
