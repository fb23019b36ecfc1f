/**
 * The public surface of topology sources: parsers that turn ExaBGP JSON, the hackathon neighbor table
 * and pathmon's YAML topology into topology events. Other folders import from here, never from the
 * individual files, so the files can be split or merged without breaking them.
 */
export { parseExabgpLine, EXABGP_JSON_VERSION, type ExabgpLineResult } from './exabgp-json.js';
export { BGPLS_PROTOCOLS } from './exabgp-nlri.js';
export {
  ExabgpStreamParser,
  type ExabgpSkippedLine,
  type ExabgpStreamCounters,
  type ExabgpStreamOptions,
} from './exabgp-stream.js';
export { parseNeighborTable } from './neighbor-table.js';
export {
  parseYamlTopology,
  type YamlHostSpec,
  type YamlLinkSpec,
  type YamlRouterSpec,
  type YamlTopologySpec,
} from './yaml-topology.js';
export { DEFAULT_LINK_METRIC, MAX_LINK_METRIC } from './yaml-schema.js';
export {
  detectTopologyFormat,
  topologyEventsFromText,
  type SkippedLine,
  type TopologyFormat,
  type TopologyText,
} from './detect.js';
export { normaliseRouterId } from './router-id.js';
