/**
 * Optional keyed authentication of probes: an HMAC-SHA256 over the 28-byte probe payload, truncated to
 * 16 bytes (RFC 2104 §5 allows truncation to at least half the output), carried right after the
 * payload, with flag bit 0x01 set. With a key configured the engine counts every reply without a
 * valid tag as forged, so a stranger who can reach the probe port cannot feed it RTTs even if it knows
 * the format, the session id and roughly when probes leave.
 *
 * The key is never printed: errors name only its length.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HEADER_LENGTH } from '../codec/probe-payload.js';
import { ProbesError } from '../errors.js';

export const HMAC_TAG_BYTES = 16;
/** Payload flag: an HMAC tag follows the payload. */
export const FLAG_HMAC = 0x01;
const MIN_KEY_BYTES = 16;

export class ProbeKeyError extends ProbesError {
  override name = 'ProbeKeyError';
  readonly code = 'bad-probe-key';
}

export class ProbeSigner {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length < MIN_KEY_BYTES) {
      throw new ProbeKeyError(`probes.ProbeSigner: key must be at least ${MIN_KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}`);
    }
    this.key = Buffer.from(key);
  }

  /** Writes the tag of `buf[payloadAt, payloadAt+28)` at `payloadAt + 28`. */
  sign(buf: Buffer, payloadAt: number): void {
    const digest = createHmac('sha256', this.key)
      .update(buf.subarray(payloadAt, payloadAt + HEADER_LENGTH))
      .digest();
    digest.copy(buf, payloadAt + HEADER_LENGTH, 0, HMAC_TAG_BYTES);
  }

  /** True when `payload` (starting at the probe payload) carries a valid tag for its first 28 bytes. */
  verify(payload: Buffer): boolean {
    if (payload.length < HEADER_LENGTH + HMAC_TAG_BYTES) return false;
    const digest = createHmac('sha256', this.key).update(payload.subarray(0, HEADER_LENGTH)).digest();
    return timingSafeEqual(digest.subarray(0, HMAC_TAG_BYTES), payload.subarray(HEADER_LENGTH, HEADER_LENGTH + HMAC_TAG_BYTES));
  }
}
