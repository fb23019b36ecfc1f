/** The path states, defined in the store (the lower folder) and re-exported for the monitor's code. */
export { pathStateNames, stateSeverity, type PathStateName } from '../store/path-states.js';
