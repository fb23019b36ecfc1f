/**
 * `--topology SPEC` to a TopologySource. `exabgp:FILE` runs ExaBGP with the engineer's neighbor
 * configuration and follows its feed; `file:PATH` or a bare path reads a topology file once (YAML,
 * neighbor table or an ExaBGP JSON capture, recognised by content).
 */
import { TopologySourceError } from './errors.js';
import { ExabgpTopologySource, type ExabgpSourceOptions } from './exabgp-source.js';
import { StaticTopologySource } from './static-source.js';
import type { TopologySource } from './topology-source.js';

export type OpenTopologyOptions = ExabgpSourceOptions;

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
 * source converges in the background (await `ready(waitMs)`).
 */
export function openTopologySource(spec: string, options: OpenTopologyOptions = {}): TopologySource {
  const parsed = parseTopologySpec(spec);
  if (parsed.kind === 'file') return new StaticTopologySource(parsed.path);
  const source = new ExabgpTopologySource(parsed.path, options);
  source.start();
  return source;
}
