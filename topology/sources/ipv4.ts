/**
 * IPv4 text helpers shared by the topology sources: strict dotted-quad parsing, CIDR splitting and
 * subnet arithmetic. Strict because these addresses become probe destinations and lab interface
 * addresses: a lenient parser (leading zeros, short forms like `10.1`) would turn a typo into a
 * different, valid-looking address. Kept here rather than in `probes/` so `topology/` stays self-contained.
 */

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** The address as an unsigned 32-bit number, or undefined unless `text` is exactly `a.b.c.d` (0–255, no leading zeros). */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** True when `text` is a strict dotted-quad IPv4 address. */
export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined;
}

/** Dotted-quad text of an unsigned 32-bit address. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Ipv4Cidr {
  address: string;
  value: number;
  prefixLength: number;
}

/** `10.1.1.0/31` split and checked, or undefined unless it is a strict address and a length 0–32. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  const value = parseIpv4(address);
  if (value === undefined || !/^(0|[1-9][0-9]?)$/.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  if (prefixLength > 32) return undefined;
  return { address, value, prefixLength };
}

/** The network address (as a number) of `value` under `prefixLength`. */
export function networkOf(value: number, prefixLength: number): number {
  // Division instead of bit operators: JS bitwise ops are signed 32-bit and would mangle 128.0.0.0 and up.
  const size = 2 ** (32 - prefixLength);
  return Math.floor(value / size) * size;
}

/** The last address (as a number) of the subnet holding `value`. */
export function broadcastOf(value: number, prefixLength: number): number {
  return networkOf(value, prefixLength) + 2 ** (32 - prefixLength) - 1;
}
