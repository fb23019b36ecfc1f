/**
 * The packet codecs' public surface: one namespace per header, so call sites read `ipv4.decode`,
 * `gre.encode`, and the codecs' own names (`decode`, `HEADER_LENGTH`) never collide.
 */
export * as checksum from './checksum.js';
export * as ipv4 from './ipv4.js';
export * as gre from './gre.js';
export * as udp from './udp.js';
export * as probePayload from './probe-payload.js';
export { PacketDecodeError, PacketEncodeError } from '../errors.js';
