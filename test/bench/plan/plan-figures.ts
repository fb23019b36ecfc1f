/**
 * What a set of probes achieves over directed links, computed the same way for pathmon's walks and the
 * peer's paths: coverage (min, and the share at or above the target) and identifiability (the share
 * of directed links whose set of crossing probes is unique). Computed from the probes themselves, not
 * from either planner's own figures.
 */
export interface ProbeFigures {
  probes: number;
  directedLinks: number;
  minCoverage: number;
  coveredShare: number;
  identifiableShare: number;
  meanLegs: number;
  maxLegs: number;
}

/** `probes` as lists of directed link keys; `links` the directed links they are judged on. */
export function probeFigures(probes: string[][], links: string[], coverage: number): ProbeFigures {
  const crossing = new Map<string, number[]>(links.map((key) => [key, []]));
  probes.forEach((probe, i) => {
    for (const key of new Set(probe)) crossing.get(key)?.push(i);
  });
  const bySignature = new Map<string, number>();
  for (const walks of crossing.values()) bySignature.set(walks.join(','), (bySignature.get(walks.join(',')) ?? 0) + 1);
  let covered = 0;
  let identifiable = 0;
  let minCoverage = Infinity;
  for (const walks of crossing.values()) {
    minCoverage = Math.min(minCoverage, walks.length);
    if (walks.length >= coverage) covered++;
    if (walks.length > 0 && bySignature.get(walks.join(',')) === 1) identifiable++;
  }
  const legs = probes.map((probe) => probe.length);
  return {
    probes: probes.length,
    directedLinks: links.length,
    minCoverage: links.length ? minCoverage : 0,
    coveredShare: links.length ? covered / links.length : 0,
    identifiableShare: links.length ? identifiable / links.length : 0,
    meanLegs: legs.length ? legs.reduce((a, b) => a + b, 0) / legs.length : 0,
    maxLegs: legs.length ? Math.max(...legs) : 0,
  };
}
