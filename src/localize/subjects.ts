/**
 * Small shared answers about estimate subjects: the key incidents, tickets and stored estimates use
 * (`link:<directed key>`, `group:<id>`), and whether an estimate blames its subject at all.
 */
import type { EstimateSubject, LinkEstimate } from './localize-types.js';

export function subjectKeyOf(subject: EstimateSubject): string {
  return subject.kind === 'link' ? `link:${subject.linkKey}` : `group:${subject.groupId}`;
}

/** Healthy subjects carry zeros; anything else is blamed. */
export function isBlamed(estimate: LinkEstimate): boolean {
  return estimate.down || estimate.lossRatio > 0 || estimate.addedDelayMs > 0;
}
