/**
 * A path's state change together with the path it is about: what the path-state evaluator finds in a
 * round, what the store records and what the incident evaluator turns into path incidents.
 */
import type { PathRecord, TransitionRecord } from '../store/records.js';

export interface PathTransition {
  path: PathRecord;
  transition: TransitionRecord;
}
