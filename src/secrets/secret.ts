/**
 * A resolved secret value that cannot leak by accident: printing it, interpolating it, inspecting it or
 * serialising it to JSON gives `[secret env NAME]`, and only `reveal()` gives the value. Creating one
 * registers the value with the scrubber, so even a revealed value echoed back by a library is removed
 * from logs and errors.
 */
import { inspect } from 'node:util';
import { registerSecretValue } from './redact.js';

export class Secret {
  readonly #value: string;

  constructor(
    value: string,
    /** Where it came from, e.g. "env PATHMON_FRESHDESK_KEY": safe to print. */
    readonly source: string,
  ) {
    this.#value = value;
    registerSecretValue(value);
  }

  /** The value itself; hand it only to the library that needs it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return `[secret ${this.source}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}
