/**
 * The `targets:` section of the config: groups of probe targets that are not topology nodes (servers,
 * device management addresses, application endpoints), probed with ICMP, TCP or UDP. Each group
 * becomes a set of monitored routes with the same states, history and alerts as paths.
 *
 * The schema checks each field and the rules inside one group (a port for tcp/udp and none for icmp, a
 * payload size for icmp only, a round that fits its own interval), and normalizes: durations typed as
 * `30s` become milliseconds, `host:port` targets are split, every optional field is present. Fields a
 * group may leave to the config's `probing:` and `thresholds:` (probes per round, spacing, timeout,
 * thresholds) stay null here and are resolved by the monitor, because this section cannot see those.
 * Rules that span the whole config (a group name also used by a path group) live in
 * target-group-problems.ts.
 */
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { decimal, wholeNumber } from './schema-numbers.js';
import { DURATION_FORMS, durationMsOrNull } from './duration.js';

const EXPECT_NAME = 'expected a name of 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** RFC 1123 host names: labels of letters, digits and "-", dot-separated, at most 253 characters. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const EXPECT_TARGET = 'expected an IPv4 address or a DNS name, optionally with :PORT (tcp/udp), like 10.2.0.9, db1.example.net or db1:5432';
const EXPECT_SOURCE_PORT = 'expected a port from 1 to 65535, or a range "FIRST-LAST" of them to sweep, like 40000 or "33434-33464"';

/** The keys of one target group, for "unknown key" messages. */
export const targetGroupKeys = [
  'name',
  'kind',
  'targets',
  'port',
  'sourceAddress',
  'sourcePort',
  'interval',
  'intervalMs',
  'probesPerRound',
  'probeSpacingMs',
  'timeout',
  'timeoutMs',
  'payloadBytes',
  'thresholds',
] as const;

/** ICMP echo data bytes when a group does not say (what ping sends). */
export const defaultPayloadBytes = 56;
/** IPv4's 65,535 bytes less the 20-byte IP and 8-byte ICMP headers. */
export const MAX_PAYLOAD_BYTES = 65_507;

/** `30s`, `500ms` or `1.5m`, within [min, max] milliseconds, to milliseconds. */
function duration(min: number, max: number, what: string) {
  const text = `expected a duration ${what} from ${min} ms to ${max} ms: ${DURATION_FORMS}`;
  return z.string({ error: text }).transform((value, ctx) => {
    const ms = durationMsOrNull(value);
    if (ms === null || ms < min || ms > max) {
      ctx.issues.push({ code: 'custom', message: text, input: value });
      return z.NEVER;
    }
    return ms;
  });
}

/** One target as written, split into host and port. */
export interface TargetSpec {
  /** As the config wrote it (`db1:5432`, `10.2.0.9`): how reports, tickets and metrics name it. */
  text: string;
  /** IPv4 address or DNS name (resolved each round). */
  host: string;
  /** The target's own port, from `host:port`; null: the group's port. */
  port: number | null;
}

const target = z.string({ error: EXPECT_TARGET }).transform((text, ctx): TargetSpec => {
  const spec = targetSpec(text);
  if (spec === null) {
    ctx.issues.push({ code: 'custom', message: EXPECT_TARGET, input: text });
    return z.NEVER;
  }
  return spec;
});

/** `db1:5432` to { host: db1, port: 5432 }; null when the text is neither an address nor a name. */
export function targetSpec(text: string): TargetSpec | null {
  const trimmed = text.trim();
  const match = /^(.*?)(?::(\d{1,5}))?$/.exec(trimmed)!;
  const host = match[1]!;
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && (port < 1 || port > 65_535)) return null;
  const isAddress = isIPv4(host);
  // A dotted all-digit name that is not an address (10.2.0.999) is a typo, not a DNS name.
  if (!isAddress && (!HOST_NAME.test(host) || /^[\d.]+$/.test(host))) return null;
  return { text: trimmed, host, port };
}

const sourcePort = z
  .union([z.number({ error: EXPECT_SOURCE_PORT }).int(EXPECT_SOURCE_PORT).min(1, EXPECT_SOURCE_PORT).max(65_535, EXPECT_SOURCE_PORT), z.string()], { error: EXPECT_SOURCE_PORT })
  .transform((value, ctx): number | readonly [number, number] => {
    if (typeof value === 'number') return value;
    const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(value);
    const first = Number(match?.[1]);
    const last = Number(match?.[2]);
    if (!match || first < 1 || last > 65_535 || first > last) {
      ctx.issues.push({ code: 'custom', message: EXPECT_SOURCE_PORT, input: value });
      return z.NEVER;
    }
    return first === last ? first : ([first, last] as const);
  });

const thresholds = z.strictObject(
  {
    delayMs: decimal(0.001, 600_000, 'milliseconds').optional(),
    lossPct: decimal(0, 100, 'percent').optional(),
  },
  { error: 'expected a mapping { delayMs?, lossPct? }' },
);

const group = z
  .strictObject(
    {
      name: z.string({ error: EXPECT_NAME }).regex(NAME, EXPECT_NAME),
      kind: z.enum(['icmp', 'tcp', 'udp'], { error: 'expected "icmp", "tcp" or "udp"' }),
      targets: z.array(target, { error: 'expected a list of targets: IPv4 addresses or DNS names' }).min(1, 'expected at least one target'),
      port: wholeNumber(1, 65_535).optional(),
      sourceAddress: z
        .string({ error: 'expected an IPv4 address of this host to send from, like 10.0.0.1' })
        .refine((value) => isIPv4(value), 'expected an IPv4 address of this host to send from, like 10.0.0.1')
        .optional(),
      sourcePort: sourcePort.optional(),
      interval: duration(10, 86_400_000, 'between rounds of the group').optional(),
      intervalMs: decimal(10, 86_400_000, 'milliseconds between rounds of the group').optional(),
      probesPerRound: wholeNumber(1, 10_000, ' of probes per target').optional(),
      probeSpacingMs: decimal(0, 60_000, 'milliseconds between two probes of one target').optional(),
      timeout: duration(1, 600_000, 'a probe may take').optional(),
      timeoutMs: decimal(1, 600_000, 'milliseconds a probe may take').optional(),
      payloadBytes: wholeNumber(0, MAX_PAYLOAD_BYTES, ' of ICMP echo data bytes').optional(),
      thresholds: thresholds.optional(),
    },
    { error: 'expected a mapping { name, kind: icmp|tcp|udp, targets: [HOST, ...], port?, sourceAddress?, sourcePort?, interval?, probesPerRound?, timeout?, payloadBytes?, thresholds? }' },
  )
  .superRefine((raw, ctx) => {
    const problem = (path: (string | number)[], message: string, input: unknown) => ctx.addIssue({ code: 'custom', path, message, input });
    if (raw.interval !== undefined && raw.intervalMs !== undefined) {
      problem(['intervalMs'], `expected interval or intervalMs, not both (interval is ${raw.interval} ms)`, raw.intervalMs);
    }
    if (raw.timeout !== undefined && raw.timeoutMs !== undefined) {
      problem(['timeoutMs'], `expected timeout or timeoutMs, not both (timeout is ${raw.timeout} ms)`, raw.timeoutMs);
    }
    if (raw.kind === 'icmp') {
      if (raw.port !== undefined) problem(['port'], 'expected no port for kind icmp (ICMP echo has none); ports belong to tcp and udp groups', raw.port);
      if (raw.sourcePort !== undefined) problem(['sourcePort'], 'expected no sourcePort for kind icmp; source ports belong to tcp and udp groups', raw.sourcePort);
      raw.targets.forEach((spec, index) => {
        if (spec.port !== null) problem(['targets', index], 'expected no :PORT on an icmp target (ICMP echo has no port)', spec.text);
      });
    } else {
      if (raw.payloadBytes !== undefined) problem(['payloadBytes'], `expected no payloadBytes for kind ${raw.kind}; payloadBytes sizes ICMP echo requests (MTU checks)`, raw.payloadBytes);
      if (raw.port === undefined) {
        raw.targets.forEach((spec, index) => {
          if (spec.port === null) problem(['targets', index], `expected HOST:PORT, or a port for the group (kind ${raw.kind} needs a destination port)`, spec.text);
        });
      }
    }
    const seen = new Map<string, number>();
    raw.targets.forEach((spec, index) => {
      const key = `${spec.host.toLowerCase()}:${spec.port ?? raw.port ?? ''}`;
      const first = seen.get(key);
      if (first !== undefined) problem(['targets', index], `got the same target as targets[${first}]; expected each target once per group`, spec.text);
      else seen.set(key, index);
    });
    const intervalMs = raw.interval ?? raw.intervalMs;
    const timeoutMs = raw.timeout ?? raw.timeoutMs;
    if (intervalMs !== undefined && timeoutMs !== undefined && timeoutMs > intervalMs) {
      problem([raw.timeout !== undefined ? 'timeout' : 'timeoutMs'], `timeoutMs (${timeoutMs}) cannot exceed intervalMs (${intervalMs}); expected a round to end before the next starts`, timeoutMs);
    }
  })
  .transform(
    (raw): TargetGroupConfig => ({
      name: raw.name,
      kind: raw.kind,
      targets: raw.targets,
      port: raw.port ?? null,
      sourceAddress: raw.sourceAddress ?? null,
      sourcePort: raw.sourcePort ?? null,
      intervalMs: raw.interval ?? raw.intervalMs ?? null,
      probesPerRound: raw.probesPerRound ?? null,
      probeSpacingMs: raw.probeSpacingMs ?? null,
      timeoutMs: raw.timeout ?? raw.timeoutMs ?? null,
      payloadBytes: raw.kind === 'icmp' ? (raw.payloadBytes ?? defaultPayloadBytes) : null,
      thresholds: { ...raw.thresholds },
    }),
  );

export const targetGroupsSchema = z.array(group, { error: 'expected a list of target groups, each { name, kind: icmp|tcp|udp, targets: [HOST, ...] }' }).superRefine((groups, ctx) => {
  const names = new Map<string, number>();
  groups.forEach((entry, index) => {
    const first = names.get(entry.name);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: [index, 'name'], input: entry.name, message: `expected target group names to be unique; targets[${first}] is already named ${entry.name}` });
    } else names.set(entry.name, index);
  });
});

/** One target group, normalized: every field present, durations in milliseconds. */
export interface TargetGroupConfig {
  name: string;
  kind: 'icmp' | 'tcp' | 'udp';
  targets: TargetSpec[];
  /** Destination port of targets written without one; null for icmp. */
  port: number | null;
  /** Send from this address; null: the kernel chooses. */
  sourceAddress: string | null;
  /** A pinned source port, a [first, last] range swept one probe per port, or null: the engine chooses. */
  sourcePort: number | readonly [number, number] | null;
  /** Time between the group's rounds; null: every monitor round (`probing.intervalMs`). */
  intervalMs: number | null;
  /** Null: `probing.probesPerRound`. */
  probesPerRound: number | null;
  /** Null: `probing.probeSpacingMs`. */
  probeSpacingMs: number | null;
  /** Null: `probing.timeoutMs`. */
  timeoutMs: number | null;
  /** ICMP echo data bytes (default 56); null for tcp and udp. */
  payloadBytes: number | null;
  /** What the group sets; the rest comes from the config's `thresholds:`. */
  thresholds: { delayMs?: number; lossPct?: number };
}
