/**
 * `--host NAME=ADDRESS/LEN[@ROUTER[:ROUTER_ADDRESS]]` on the command line: a host to attach to the
 * topology (see topology/host-attachment.ts for where it goes). Without `@ROUTER` the router is the one
 * announcing the subnet in BGP-LS; with it (needed for a file that carries no prefixes) it is named.
 * Checked here, in full, so a typo is a usage error naming the argument before ExaBGP is started.
 */
import { hostDeclarationProblems, type HostDeclaration } from '../../topology/index.js';
import { TopologySourceError } from './errors.js';

/** @throws TopologySourceError `bad-host` naming the argument and what was expected. */
export function parseHostArgument(text: string): HostDeclaration {
  const equals = text.indexOf('=');
  if (equals <= 0) {
    throw new TopologySourceError('bad-host', `live.parseHostArgument: --host ${JSON.stringify(text)}; expected NAME=ADDRESS/LEN[@ROUTER[:ROUTER_ADDRESS]], like dev1=10.2.0.0/31`, text);
  }
  const rest = text.slice(equals + 1);
  const at = rest.indexOf('@');
  const host: HostDeclaration = { name: text.slice(0, equals), address: at < 0 ? rest : rest.slice(0, at) };
  if (at >= 0) {
    const router = rest.slice(at + 1);
    const colon = router.lastIndexOf(':');
    host.router = colon < 0 ? router : router.slice(0, colon);
    if (colon >= 0) host.routerAddress = router.slice(colon + 1);
  }
  const problems = hostDeclarationProblems(host);
  if (problems.length > 0) {
    throw new TopologySourceError('bad-host', `live.parseHostArgument: --host ${JSON.stringify(text)}: ${problems.map((p) => `${p.field} ${p.text}`).join('; ')}`, text);
  }
  return host;
}

/** Commander's collector for a repeatable `--host`. */
export function collectHostArgument(text: string, previous: HostDeclaration[] = []): HostDeclaration[] {
  return [...previous, parseHostArgument(text)];
}
