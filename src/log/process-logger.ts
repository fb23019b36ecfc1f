/**
 * The process's logger: the CLI makes it once from `--log-level` / `--log-format` before a command
 * runs, and every module that logs asks for it here (or is handed a child of it). Code run without
 * the CLI (tests, scripts) gets one made from PATHMON_LOG_LEVEL / PATHMON_LOG_FORMAT on first use.
 */
import { createLogger } from './create-logger.js';
import type { Logger } from './logger.js';
import { logSettingsFromEnv } from './log-settings.js';

let current: Logger | null = null;

export function processLogger(): Logger {
  if (current) return current;
  try {
    current = createLogger(logSettingsFromEnv());
  } catch (error) {
    // A bad variable must not stop the monitor from logging at all: the defaults, and a word on why.
    current = createLogger();
    current.warn((error as Error).message);
  }
  return current;
}

export function setProcessLogger(logger: Logger): void {
  current = logger;
}
