/**
 * The monitor as the dashboard, the API and /metrics see it: everything a MonitorView offers, with the
 * store narrowed to its read methods. Views show what the monitor stored; giving them a type without
 * writes means a route that writes does not compile, rather than being found in review.
 */
import type { MonitorView } from '../monitor/monitor-view.js';
import type { ReadOnlyStore } from '../store/index.js';

export type DashboardView = Omit<MonitorView, 'store'> & { readonly store: ReadOnlyStore };
