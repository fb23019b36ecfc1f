/**
 * src/localize/: per-link estimation. Route figures in (a round from the monitor, an observations file,
 * stored history), per directed link (or link group) loss, total loss and added delay out, with a
 * confidence and the routes that are its evidence. This file is the whole public surface.
 */
export type { EstimateSubject, EstimatorOptions, LinkEstimate, LinkEstimates, RouteObservation } from './localize-types.js';
export { estimateLinks, DEFAULT_MIN_ADDED_DELAY_MS, DEFAULT_MIN_LOSS_RATIO } from './estimate-links.js';
export { RouteBaselines, type BaselineRound, type RouteBaseline, type RouteBaselinesOptions } from './route-baselines.js';
export { RouteIndex } from './route-matrix.js';
export { LinkLocalizer, observationOf, type LinkLocalizerOptions } from './link-localizer.js';
export { isBlamed, subjectKeyOf } from './subjects.js';
export { signatureGroups, type SignatureGroup } from './signature-groups.js';
export {
  parseObservationsFile,
  ObservationsFileError,
  type ObservationRound,
  type ObservationsFile,
  type ObservationsProblem,
  type ParsedObservation,
  MAX_REPORTED_PROBLEMS,
} from './observations-file.js';
