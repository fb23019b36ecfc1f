/**
 * The states a monitored path can be in, shared by the monitor, the store, the notifiers and the views.
 * They live here, in the store (the lower of the folders that share them), because stored transitions
 * and summaries are made of them: the store names them without importing the monitor that decides them,
 * and src/monitor/path-state.ts re-exports them for the code that decides.
 *
 * UP: every threshold met. DEGRADED: a delay or loss threshold breached. DOWN: 100 % loss. GONE: the
 * topology no longer has the path; it is not failing, it does not exist, and is reported apart.
 */
export type PathStateName = 'UP' | 'DEGRADED' | 'DOWN' | 'GONE';

export const pathStateNames: readonly PathStateName[] = ['UP', 'DEGRADED', 'DOWN', 'GONE'];

/** Worst first: a link's colour on the topology map is the worst state of the paths crossing it. */
export const stateSeverity: Readonly<Record<PathStateName, number>> = { DOWN: 3, DEGRADED: 2, UP: 1, GONE: 0 };
