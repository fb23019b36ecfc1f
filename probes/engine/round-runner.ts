/**
 * The engine for a caller that probes the same routes round after round (`pathmon run`): created once
 * with the sockets and clock, called once per round with that round's routes, as `runProbeRound` is.
 * It keeps each route's probe template between rounds (template-cache.ts), so a round costs what the
 * probes cost, not what encoding 100,000 nested-GRE packets costs. Each round still runs under its own
 * session id (random, or the fixed one in `deps`), written into the kept templates in place.
 *
 * One round at a time: a kept template is the buffer its probes are sent from, so two overlapping
 * rounds over one route would stamp each other's probes. A second call while one runs is refused.
 */
import { roundSessionId, runTemplatedRound, type PathAddressing, type RoundDeps, type RoundOptions, type RoundResult } from './probe-round.js';
import { ProbeTemplateCache, type TemplateCacheOptions } from './template-cache.js';

export interface ProbeRoundRunner {
  (paths: PathAddressing[], options: RoundOptions): Promise<RoundResult>;
  /** The kept templates: `size`, and what the last round reused, built and dropped. */
  readonly cache: ProbeTemplateCache;
}

export function createRoundRunner(deps: RoundDeps, options: TemplateCacheOptions = {}): ProbeRoundRunner {
  const cache = new ProbeTemplateCache(options);
  let running = false;
  const run = async (paths: PathAddressing[], roundOptions: RoundOptions): Promise<RoundResult> => {
    if (running) throw new Error('probes.createRoundRunner: a round is already running on this runner; expected one round at a time');
    running = true;
    try {
      const sessionId = roundSessionId(deps);
      const templates = cache.templatesFor(paths, sessionId, deps.receiver.port, roundOptions.signer);
      const firstHops = new Array<string>(paths.length);
      for (let i = 0; i < paths.length; i++) firstHops[i] = paths[i]!.hops[0]!;
      return await runTemplatedRound(deps, templates, firstHops, sessionId, roundOptions);
    } finally {
      running = false;
    }
  };
  return Object.assign(run, { cache });
}
