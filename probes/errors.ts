/**
 * Typed errors for packet codecs. Everything malformed on the wire becomes one PacketDecodeError naming
 * the layer and byte offset, so a receiver can drop a bad packet with one `catch` and tests can check
 * `layer`/`offset` instead of message text. Encoders validate their input first and throw
 * PacketEncodeError, so a bad value never turns into silently truncated bytes.
 */

/**
 * Base of the probes library's errors. It carries the properties the application's own error base has
 * (`code`, `exitCode`, `isPathmonError`) without importing it, so the CLI reports a probes error the
 * way it reports its own, and this library stays free of the application.
 */
export abstract class ProbesError extends Error {
  abstract readonly code: string;
  readonly exitCode: number = 1;
  readonly isPathmonError = true as const;
}

export class PacketDecodeError extends ProbesError {
  override name = 'PacketDecodeError';
  readonly code = 'malformed-packet';
  constructor(
    readonly layer: string,
    /** Absolute offset in the decoded buffer of the byte that made the input malformed. */
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`probes.${layer}.decode: ${reason} at offset ${offset}`);
  }
}

export class PacketEncodeError extends ProbesError {
  override name = 'PacketEncodeError';
  readonly code = 'invalid-packet-value';
  constructor(
    readonly layer: string,
    readonly reason: string,
  ) {
    super(`probes.${layer}.encode: ${reason}`);
  }
}

/**
 * Throws unless `bytes` bytes are readable at `offset`. Every decoder calls this before reading so a
 * short buffer surfaces as PacketDecodeError, never as Node's RangeError.
 */
export function requireBytes(layer: string, buf: Uint8Array, offset: number, bytes: number, what: string): void {
  const available = buf.length - offset;
  if (available < bytes) {
    throw new PacketDecodeError(layer, offset, `truncated ${what}: need ${bytes} bytes, have ${Math.max(available, 0)}`);
  }
}

/** Throws PacketEncodeError unless `value` is an integer in [0, max]. */
export function requireUint(layer: string, field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new PacketEncodeError(layer, `${field} must be an integer in 0..${max}, got ${String(value)}`);
  }
}
