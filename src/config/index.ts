/**
 * config/: the monitor's YAML config, validated in one place. Everything else receives a complete,
 * defaulted `MonitorConfig` and never re-checks it. This file is the whole public surface.
 */
export { ConfigError } from './config-error.js';
export { loadConfigFile, parseConfig, redactUrl } from './load-config.js';
export { redactedConfig, REDACTED } from './redact-config.js';
export { isSecretPath, withoutUrlPassword } from './config-problems.js';
export { defaultHysteresisRounds, defaultLinkThresholds, defaultLocalize, defaultMetrics, defaultProbing, defaultRetentionDays, defaultThresholds, MAX_RTT_BUCKETS } from './monitor-config-schema.js';
export type { LinkThresholds, LocalizeConfig, MetricsConfig, MonitorConfig, MonitorGroup, MonitorTarget, ProbingConfig, SecretReference, StorageConfig, Thresholds } from './monitor-config.js';
export { parseDurationMs, formatDurationMs } from './duration.js';
export { storeLocationFor, storeSchemaFor } from './store-location.js';
export { targetGroupsSchema, targetGroupKeys, type TargetGroupConfig, type TargetSpec } from './target-groups-schema.js';
export { targetGroupProblems } from './target-group-problems.js';
