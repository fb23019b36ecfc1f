/**
 * Acknowledged reloads: SIGHUP tells a router process to re-read the impairment table, but a signal
 * carries no answer, and a busy machine can take a while to run the process that handles it. Without an
 * answer `lab impair` would return while the old table still applied, and the first packets sent after
 * it (a ping, a probe) would cross the link as before. So every router counts the SIGHUPs it has
 * received (its generation) and, once the table read after the latest one is in force, writes that
 * count to reloaded/NODE in the lab's state directory; `lab impair` reads the counts before it signals
 * and waits until each live router's count has moved past them.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function reloadAckFile(stateDir: string, node: string): string {
  return join(stateDir, 'reloaded', node);
}

export function writeReloadAck(stateDir: string, node: string, generation: number): void {
  const file = reloadAckFile(stateDir, node);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, String(generation));
  renameSync(`${file}.tmp`, file);
}

/** The generation in force at `node`: 0 before any acknowledged reload (or from a router that never acknowledges). */
export function readReloadAck(stateDir: string, node: string): number {
  const file = reloadAckFile(stateDir, node);
  if (!existsSync(file)) return 0;
  const value = Number(readFileSync(file, 'utf8').trim());
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/**
 * Waits (blocking, like the rest of `lab impair`) until every node in `before` has acknowledged a
 * generation past the one it had; returns the nodes that did not within `timeoutMs`.
 */
export function waitForReloads(stateDir: string, before: Map<string, number>, timeoutMs: number): string[] {
  const deadline = Date.now() + timeoutMs;
  let waiting = [...before.keys()];
  for (;;) {
    waiting = waiting.filter((node) => readReloadAck(stateDir, node) <= before.get(node)!);
    if (waiting.length === 0 || Date.now() > deadline) return waiting;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}
