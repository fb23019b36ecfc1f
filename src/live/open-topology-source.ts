/**
 * `--topology SPEC` to a TopologySource. `exabgp:FILE` runs ExaBGP with the engineer's neighbor
 * configuration and follows its feed; `file:PATH` or a bare path reads a topology file once (YAML,
 * neighbor table or an ExaBGP JSON capture, recognised by content).
 */
import { TopologySourceError } from './errors.js';
import { ExabgpTopologySource, type ExabgpSourceOptions } from './exabgp-source.js';
import { HostAttachedSource } from './host-attached-source.js';
import { HostAttacher } from './host-attacher.js';
import { StaticTopologySource } from './static-source.js';
import type { TopologySource } from './topology-source.js';
import type { HostDeclaration } from '../../topology/index.js';

export interface OpenTopologyOptions extends ExabgpSourceOptions {
  /** Hosts to attach (`--host`, the config's `hosts:`); the source is wrapped in a HostAttachedSource. */
  hosts?: readonly HostDeclaration[];
}

export interface ParsedTopologySpec {
  kind: 'file' | 'exabgp';
  path: string;
}

/** @throws TopologySourceError `bad-spec` for an empty path or an unknown `scheme:` prefix. */
export function parseTopologySpec(spec: string): ParsedTopologySpec {
  const match = /^([a-z][a-z0-9+-]*):(.*)$/i.exec(spec);
  // One-letter "schemes" are Windows drive letters, not schemes; keep them as paths.
  if (match && match[1]!.length > 1) {
    const scheme = match[1]!.toLowerCase();
    const path = match[2]!;
    if (scheme !== 'file' && scheme !== 'exabgp') {
      throw new TopologySourceError('bad-spec', `live.parseTopologySpec: unknown topology scheme "${match[1]}:" in "${spec}"; expected exabgp:FILE, file:PATH or a file path`, spec);
    }
    if (path.trim() === '') throw new TopologySourceError('bad-spec', `live.parseTopologySpec: "${spec}" names no file; expected ${scheme}:PATH`, spec);
    return { kind: scheme, path };
  }
  if (spec.trim() === '') throw new TopologySourceError('bad-spec', 'live.parseTopologySpec: empty topology spec; expected exabgp:FILE, file:PATH or a file path', spec);
  return { kind: 'file', path: spec };
}

/**
 * Opens the source `spec` names. A file is read at once; ExaBGP is started at once and the returned
 * source converges in the background (await `ready(waitMs)`). With `hosts`, the source is wrapped so
 * they are attached and kept attached.
 * @throws TopologySourceError `bad-host` for a bad host declaration, before anything is started.
 */
export function openTopologySource(spec: string, options: OpenTopologyOptions = {}): TopologySource {
  const parsed = parseTopologySpec(spec);
  const { hosts, ...exabgpOptions } = options;
  // Declarations are checked before ExaBGP starts, so a typo costs no child process.
  if (hosts !== undefined && hosts.length > 0) new HostAttacher(hosts);
  let source: TopologySource;
  if (parsed.kind === 'file') source = new StaticTopologySource(parsed.path);
  else {
    const exabgp = new ExabgpTopologySource(parsed.path, exabgpOptions);
    exabgp.start();
    source = exabgp;
  }
  return hosts !== undefined && hosts.length > 0 ? new HostAttachedSource(source, hosts) : source;
}
