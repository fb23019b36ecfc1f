/**
 * Logging: one Logger interface (levelled, structured, with children), written by pino as text or
 * JSON lines on stderr, every line scrubbed of secrets. The CLI makes the process logger; everything
 * else takes it from `processLogger()` or is handed a child.
 */
export { LOG_FORMATS, LOG_LEVELS, LOG_THRESHOLDS, type LogFields, type LogFormat, type Logger, type LogLevel, type LogMethod, type LogThreshold } from './logger.js';
export { createLogger, type LoggerOptions, type LogSink } from './create-logger.js';
export { LogSettingError, logSettingsFromEnv, parseLogFormat, parseLogLevel } from './log-settings.js';
export { processLogger, setProcessLogger } from './process-logger.js';
