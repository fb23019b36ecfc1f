/**
 * Parsers for numeric command-line options: each names the option, the bad value and what was expected,
 * instead of letting a typo become NaN or a negative interval deep in the engine.
 */
import { InvalidArgumentError } from 'commander';

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${text}"`);
    }
    return value;
  };
}

export function decimal(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${text}"`);
    }
    return value;
  };
}

export function returnMode(text: string): 'loop' | 'direct' {
  if (text !== 'loop' && text !== 'direct') throw new InvalidArgumentError(`expected "loop" or "direct", got "${text}"`);
  return text;
}
