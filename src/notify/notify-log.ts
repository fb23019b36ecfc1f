/**
 * How notifiers report: one line per event, already scrubbed of secrets by the notifier. The daemon
 * passes its logger; the default writes to stderr so a failure is never silent.
 */
export type NotifyLogLevel = 'info' | 'warn' | 'error';

export type NotifyLog = (level: NotifyLogLevel, message: string) => void;

export const stderrNotifyLog: NotifyLog = (level, message) => {
  process.stderr.write(`pathmon ${level}: ${message}\n`);
};
