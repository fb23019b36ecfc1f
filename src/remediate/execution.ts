/**
 * What carrying out one action run came to, as every kind of action reports it, and the bounded
 * buffer their output is kept in: a command printing without end or a webhook answering a gigabyte
 * costs the pool `maxOutputBytes`, never its memory.
 */
import type { ActionRun } from './action-run-queries.js';

export type Execution =
  | { state: 'SUCCESS' | 'FAILURE' | 'TIMEOUT'; exitCode?: number | null; output: string; error?: string | null }
  /** Not yet possible (a note whose incident has no ticket yet): back to the queue until then. */
  | { state: 'DEFER'; notBeforeMs: number; why: string };

export type ActionExecutor = (run: ActionRun) => Promise<Execution>;

/** Keeps the first `limitBytes` bytes written and counts the rest. */
export class BoundedOutput {
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;

  constructor(private readonly limitBytes: number) {}

  write(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.limitBytes - this.#kept;
    if (room > 0) {
      const part = buf.length <= room ? buf : buf.subarray(0, room);
      this.#chunks.push(part);
      this.#kept += part.length;
    }
    this.#dropped += Math.max(0, buf.length - Math.max(room, 0));
  }

  text(): string {
    const body = Buffer.concat(this.#chunks).toString('utf8');
    return this.#dropped === 0 ? body : `${body}\n[output cut: ${this.#dropped} more byte(s) not kept]`;
  }
}
