/**
 * Numbers in the config, as zod schemas whose one error says the range and the unit expected, shared
 * by every section's schema so the messages read alike.
 */
import { z } from 'zod';

/** A whole number in [min, max]; `unit` reads after "a whole number", e.g. " of rounds". */
export function wholeNumber(min: number, max: number, unit = '') {
  const text = `expected a whole number${unit} from ${min} to ${max}`;
  return z.number({ error: text }).int(text).min(min, text).max(max, text);
}

/** A number in [min, max] of `unit`, e.g. "milliseconds". */
export function decimal(min: number, max: number, unit: string) {
  const text = `expected a number of ${unit} from ${min} to ${max}`;
  return z.number({ error: text }).min(min, text).max(max, text);
}
