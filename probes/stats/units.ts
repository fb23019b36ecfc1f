/** Unit conversions shared by the statistics: milliseconds are reported to 4 decimals (0.1 us). */

export function nsToMs(ns: number): number {
  return roundTo(ns / 1e6, 4);
}

export function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
