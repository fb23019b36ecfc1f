/**
 * A 007-style loss localizer, written from the paper's description (Arzani et al., "007: Democratically
 * Finding the Cause of Packet Drops", NSDI'18, §4-5): every route that saw a drop (here: a walk that
 * lost at least one probe, as a TCP flow with a retransmission in the paper) casts a vote of 1/h on
 * each of the h links it crossed; links are ranked by votes. To find several bad links the paper
 * proceeds greedily: blame the most-voted link, take back the votes of every route that crossed it
 * (that route's drop is explained), recount, and repeat while the top link still has enough votes.
 * The vote threshold is the peer's knob, calibrated like NetBouncer's on rounds of its own.
 */
import type { PeerInput } from './netbouncer-peer.js';

export function vote007Bad(input: PeerInput, threshold: number, maxBlamed = 64): Set<number> {
  const { linkCount, routes, sent, received } = input;
  const votes = new Float64Array(linkCount);
  const voting: number[] = [];
  routes.forEach((route, w) => {
    if (received[w]! >= sent[w]!) return;
    voting.push(w);
    for (const l of route) votes[l]! += 1 / route.length;
  });
  const routesOf = new Map<number, number[]>();
  for (const w of voting) for (const l of new Set(routes[w]!)) routesOf.set(l, [...(routesOf.get(l) ?? []), w]);
  const withdrawn = new Uint8Array(routes.length);
  const bad = new Set<number>();
  while (bad.size < maxBlamed) {
    let top = -1;
    for (const l of routesOf.keys()) if (!bad.has(l) && (top < 0 || votes[l]! > votes[top]! || (votes[l] === votes[top] && l < top))) top = l;
    if (top < 0 || votes[top]! < threshold) break;
    bad.add(top);
    for (const w of routesOf.get(top) ?? []) {
      if (withdrawn[w]) continue;
      withdrawn[w] = 1;
      for (const l of routes[w]!) votes[l]! -= 1 / routes[w]!.length;
    }
  }
  return bad;
}
