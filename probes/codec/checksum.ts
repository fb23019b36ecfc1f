/**
 * The Internet checksum (RFC 1071) shared by IPv4, GRE and UDP, plus the RFC 1624 incremental update
 * the probe template uses to patch sequence and send time without re-summing the packet. Sums are kept
 * as plain numbers and folded at the end: a 64 KiB packet cannot overflow a double's 53-bit integer range.
 */

/** Folds carries back into 16 bits (end-around carry, RFC 1071 §1 (2)). */
function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Ones-complement sum of the 16-bit big-endian words in `buf[start, end)`, added to `initialSum` and
 * folded to 16 bits (not complemented). Chain calls through `initialSum` to cover a pseudo-header and
 * a body kept in different places. An odd trailing byte is padded with zero (RFC 1071 §4.1).
 */
export function onesComplementSum(buf: Uint8Array, start: number, end: number, initialSum = 0): number {
  let sum = initialSum;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return fold(sum);
}

/**
 * RFC 1071 checksum of `buf[start, end)`: the complement of the ones-complement sum. Over a region
 * that already contains a correct checksum it returns 0, which is how receivers verify.
 */
export function internetChecksum(buf: Uint8Array, start: number, end: number, initialSum = 0): number {
  return ~onesComplementSum(buf, start, end, initialSum) & 0xffff;
}

/**
 * New checksum after one 16-bit word of the covered data changes from `oldWord` to `newWord`.
 * RFC 1624 §3 eqn 3, HC' = ~(~HC + ~m + m'): unlike eqn 2 it never yields the 0xFFFF "negative zero"
 * where a full recompute would give 0x0000 (the RFC 1624 §4 example).
 */
export function checksumAdjust(oldChecksum: number, oldWord: number, newWord: number): number {
  return ~fold((~oldChecksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}
