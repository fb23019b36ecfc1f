/**
 * The level and format from text (a CLI option or PATHMON_LOG_LEVEL / PATHMON_LOG_FORMAT), checked in
 * one place: a bad value names itself, where it came from, and the values accepted.
 */
import { PathmonError, USAGE_EXIT_CODE } from '../pathmon-error.js';
import { LOG_FORMATS, LOG_THRESHOLDS, type LogFormat, type LogThreshold } from './logger.js';

export class LogSettingError extends PathmonError {
  override name = 'LogSettingError';
  readonly code = 'bad-log-setting';
  constructor(message: string) {
    super(message, { exitCode: USAGE_EXIT_CODE });
  }
}

export function parseLogLevel(text: string, source = 'log level'): LogThreshold {
  const level = text.trim().toLowerCase();
  if ((LOG_THRESHOLDS as readonly string[]).includes(level)) return level as LogThreshold;
  throw new LogSettingError(`log.parseLogLevel: ${source} "${text}" is not a level; expected one of ${LOG_THRESHOLDS.join(', ')}`);
}

export function parseLogFormat(text: string, source = 'log format'): LogFormat {
  const format = text.trim().toLowerCase();
  if ((LOG_FORMATS as readonly string[]).includes(format)) return format as LogFormat;
  throw new LogSettingError(`log.parseLogFormat: ${source} "${text}" is not a format; expected one of ${LOG_FORMATS.join(', ')}`);
}

/** Level and format from PATHMON_LOG_LEVEL / PATHMON_LOG_FORMAT, info and text where unset or empty. */
export function logSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): { level: LogThreshold; format: LogFormat } {
  const level = env.PATHMON_LOG_LEVEL;
  const format = env.PATHMON_LOG_FORMAT;
  return {
    level: level ? parseLogLevel(level, 'PATHMON_LOG_LEVEL') : 'info',
    format: format ? parseLogFormat(format, 'PATHMON_LOG_FORMAT') : 'text',
  };
}
