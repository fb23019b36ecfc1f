/**
 * `pathmon probe --kind ...` and `pathmon respond` refuse bad usage with exit status 2 and a message
 * naming the option, the value and what was expected, before any socket is opened; the gre kind still
 * needs its topology and endpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.js';

const cases: [string[], RegExp][] = [
  [['probe', '--kind', 'tcp', '--target', '10.0.0.1'], /tcp needs a port; expected HOST:PORT/],
  [['probe', '--kind', 'icmp', '--target', '10.0.0.1:80'], /icmp has no port/],
  [['probe', '--kind', 'udp', '--target', '10.0.0.1:70000'], /port 70000 is not in 1\.\.65535/],
  [['probe', '--kind', 'tcp', '--target', '10.0.0.1:80', '--source-port', '5000-4000'], /--source-port "5000-4000" is not a port or a range/],
  [['probe', '--kind', 'icmp', '--target', '10.0.0.1', '--source-port', '5000'], /icmp has no ports/],
  [['probe', '--kind', 'tcp', '--target', '10.0.0.1:80', '--payload-bytes', '100'], /--payload-bytes applies to icmp/],
  [['probe', '--kind', 'icmp'], /--kind icmp needs --target HOST/],
  [['probe', '--kind', 'http', '--target', '10.0.0.1'], /Allowed choices are gre, icmp, tcp, udp/],
  [['probe', '--count', '1'], /required option '--topology <spec>' not specified/],
  [['respond', '--bind', 'eth0'], /--bind "eth0" is not an IPv4 address/],
  [['respond', '--port', '0'], /--port/],
];

for (const [args, message] of cases) {
  test(`pathmon ${args.join(' ')} is a usage error`, () => {
    const run = runCli(args);
    assert.equal(run.status, 2, `${run.stdout}${run.stderr}`);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
}
