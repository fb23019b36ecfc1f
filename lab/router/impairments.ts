/**
 * Link impairments as the lab applies them: per link and per direction, like netem would on a real
 * interface (the kernel here has no netem, so the lab router process is where they live).
 *
 * A direction is keyed `FROM>TO>LINKID`, so parallel links between the same routers are impaired apart.
 */

export interface Impairment {
  delayMs?: number;
  /** Uniform in [-jitterMs, +jitterMs] around delayMs, never below zero (netem's default shape). */
  jitterMs?: number;
  lossPct?: number;
  down?: boolean;
}

export type ImpairmentTable = Record<string, Impairment>;

export function directionKey(from: string, to: string, linkId: string): string {
  return `${from}>${to}>${linkId}`;
}

export type Verdict = { kind: 'drop'; reason: 'down' | 'loss' } | { kind: 'forward'; delayNs: number };

/** What happens to one packet crossing the given link directions (at most two: ingress and egress). */
export function verdictFor(impairments: (Impairment | undefined)[], random: () => number): Verdict {
  let delayNs = 0;
  for (const impairment of impairments) {
    if (!impairment) continue;
    if (impairment.down) return { kind: 'drop', reason: 'down' };
    if (impairment.lossPct && random() * 100 < impairment.lossPct) return { kind: 'drop', reason: 'loss' };
    const jitterMs = impairment.jitterMs ? (random() * 2 - 1) * impairment.jitterMs : 0;
    delayNs += Math.max(0, (impairment.delayMs ?? 0) + jitterMs) * 1e6;
  }
  return { kind: 'forward', delayNs: Math.round(delayNs) };
}
