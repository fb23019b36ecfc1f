/**
 * The validated, defaulted monitor config as the rest of pathmon sees it. Produced only by
 * `load-config.ts`; nothing downstream re-checks or re-defaults a field.
 */
import type { HostDeclaration, PathBounds, ReturnMode } from '../../topology/index.js';
import type { TargetGroupConfig } from './target-groups-schema.js';
import type { SyslogConfig } from '../syslog/syslog-config-schema.js';
import type { RemediationConfig } from '../remediate/remediation-config-schema.js';
import type { FleetConfig } from '../fleet/fleet-config-schema.js';
import type { PlanTarget } from '../live/plan-diff.js';
import type { EmailConfig, FreshdeskConfig } from '../notify/config-schema.js';
import type { SecretRef } from '../secrets/index.js';

export interface Thresholds {
  /** A round whose p50 RTT is above this is a breach. */
  delayMs: number;
  /** A round whose loss is above this (and below 100 %) is a breach. */
  lossPct: number;
}

export interface ProbingConfig {
  intervalMs: number;
  probesPerRound: number;
  probeSpacingMs: number;
  timeoutMs: number;
  mode: ReturnMode;
}

export type SecretReference = SecretRef;

/** The link-cover plan and per-link estimation (`localize:`). */
export interface LocalizeConfig {
  enabled: boolean;
  /** Walks each directed link is crossed by. */
  coverage: number;
  /** Walks each direction is crossed by without its reverse (what splits a two-way loss); null: coverage + 1. */
  separation: number | null;
  /** Most links one walk crosses (24 bytes of header each). */
  maxHops: number;
  probesPerWalk: number;
  probeSpacingMs: number;
}

/** What a directed link's estimate must exceed to count as a breach. */
export interface LinkThresholds {
  lossPct: number;
  /** Added one-way delay over the link's own baseline. */
  addedDelayMs: number;
}

/** `metrics:`: what /metrics exports. */
export interface MetricsConfig {
  /** RTT histogram upper bounds, strictly increasing; the +Inf bucket is implied. */
  rttBucketsMs: readonly number[];
  /** False drops the per-path RTT histogram (most of a path's series); the per-group one stays. */
  pathHistograms: boolean;
}

export interface StorageConfig {
  /** `pglite:/abs/dir` or `postgres://user@host/db` (never with a password in it). */
  url: string;
  password?: SecretReference;
  /** The PostgreSQL schema holding pathmon's tables (default `pathmon`); several monitors can share a database. */
  schema?: string;
}

export interface MonitorGroup {
  name: string;
  endpoints: string[];
  thresholds: Thresholds;
  bounds: Required<PathBounds>;
}

/** One prober→endpoint pair with the thresholds of its group. */
export interface MonitorTarget extends PlanTarget {
  thresholds: Thresholds;
}

export interface MonitorConfig {
  /** Absolute path of the config file. */
  file: string;
  /** `file:/abs/path` or `exabgp:/abs/path`. */
  topology: string;
  prober: { node: string; listenAddress: string };
  probing: ProbingConfig;
  /** Defaults; each group holds its own resolved copy. */
  thresholds: Thresholds;
  /** Rounds in a row a new state must hold before the path changes state. */
  hysteresisRounds: number;
  localize: LocalizeConfig;
  /**
   * `linkThresholds:`; where absent, the top-level `thresholds:` when the file sets them (lossPct, and
   * delayMs as added delay), else defaults low enough to catch a 5 % loss or a 2 ms delay.
   */
  linkThresholds: LinkThresholds;
  groups: MonitorGroup[];
  /**
   * Hosts attached by configuration (`hosts:`), empty when none. Targets whose prober or endpoint is one
   * of them carry its declaration (fromHost/toHost), so the planner attaches it.
   */
  hosts: HostDeclaration[];
  targets: MonitorTarget[];
  /** Null: not configured (the CLI's --db or the default data directory decides). */
  storage: StorageConfig | null;
  retentionDays: number;
  metrics: MetricsConfig;
  /** Absent: that channel is off. */
  notifiers: { freshdesk?: FreshdeskConfig; email?: EmailConfig };
  /** `targets:`: ICMP/TCP/UDP target groups, empty when none. */
  targetGroups: TargetGroupConfig[];
  /** `syslog:`; null: no receiver. */
  syslog: SyslogConfig | null;
  /** `remediation:`; null: no rules run. */
  remediation: RemediationConfig | null;
  /** `fleet:`; null: a single prober (the default). */
  fleet: FleetConfig | null;
}
