/**
 * How notifiers report: one line per event, already scrubbed of secrets by the notifier. The daemon
 * passes its logger; the default is the process logger, so a failure is never silent.
 */
import { processLogger } from '../log/index.js';
export type NotifyLogLevel = 'info' | 'warn' | 'error';

export type NotifyLog = (level: NotifyLogLevel, message: string) => void;

export const stderrNotifyLog: NotifyLog = (level, message) => {
  processLogger().child({ component: 'notify' })[level](message);
};
