/**
 * A stand-in for a pathmon process, for the "no ExaBGP left behind" test: it opens an exabgp: source,
 * prints ExaBGP's pid as a JSON line once the topology is live, and waits to be killed with SIGKILL.
 * argv: CONFIG [pdeathsig=true|false] [spinMs] [workDir]
 * (A SIGKILLed pathmon cannot remove its temporary directory, so the test gives one it cleans up.)
 */
import { ExabgpTopologySource } from '../../../src/live/index.js';

const [config, pdeathsig = 'true', spinMs = '600000', workDir] = process.argv.slice(2);
const source = new ExabgpTopologySource(config!, {
  pdeathsig: pdeathsig === 'true',
  supervisor: { spinMs: Number(spinMs) },
  ...(workDir !== undefined && { workDir }),
  log: (message) => process.stderr.write(`holder: ${message}\n`),
});
source.start();
await source.ready(30_000);
process.stdout.write(`${JSON.stringify({ pid: source.status().exabgpPid })}\n`);
setInterval(() => {}, 1 << 30);
