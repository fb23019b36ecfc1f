/**
 * The schema of `pathmon run`'s YAML config, in one place: every field, its unit, its default and what
 * is expected of it. Cross-field rules (a timeout longer than the interval, a group named twice) live in
 * `load-config.ts`, which runs them only on input that passed this schema. Objects are strict: an unknown
 * key is an error naming the key, because a misspelt `hysteresisRound` silently ignored is a monitor
 * that does not do what its owner thinks.
 */
import { z } from 'zod';
import { decimal, wholeNumber } from './schema-numbers.js';
import { emailConfigSchema, freshdeskConfigSchema } from '../notify/config-schema.js';
import { secretRefSchema } from '../secrets/index.js';
import { targetGroupKeys, targetGroupsSchema } from './target-groups-schema.js';
import { syslogConfigSchema } from '../syslog/syslog-config-schema.js';
import { remediationConfigSchema } from '../remediate/remediation-config-schema.js';
import { fleetConfigSchema } from '../fleet/fleet-config-schema.js';
import { DURATION_FORMS, durationMsOrNull, formatDurationMs } from './duration.js';

const EXPECT_NAME = 'expected a name of 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const name = z.string({ error: EXPECT_NAME }).regex(NAME, EXPECT_NAME);
const node = z.string({ error: 'expected a node name, id or router-id from the topology' }).min(1, 'expected a node name, id or router-id from the topology');

/**
 * A duration written with its unit (`interval: 2s`), the other spelling of a `…Ms` number. Kept as text
 * here: load-config.ts turns it into the `…Ms` field, and names the key the author wrote in messages.
 */
function duration(minMs: number, maxMs: number, what: string, msKey: string) {
  const shown = (ms: number) => (ms < 1000 ? `${ms}ms` : formatDurationMs(ms));
  const range = `from ${shown(minMs)} to ${shown(maxMs)}`;
  const text = `expected ${what} as ${DURATION_FORMS}, ${range} (or ${msKey} as a number)`;
  return z.string({ error: text }).superRefine((value, ctx) => {
    const ms = durationMsOrNull(value);
    if (ms === null || ms < minMs || ms > maxMs) ctx.addIssue({ code: 'custom', message: text, input: value });
  });
}

/** A duration in whole days (`retention: 30d`, `4w`). */
function wholeDays(min: number, max: number, msKey: string) {
  const text = `expected a whole number of days from ${min}d to ${max}d, like 30d or 4w (or ${msKey} as a number)`;
  return z.string({ error: text }).superRefine((value, ctx) => {
    const ms = durationMsOrNull(value);
    const days = ms === null ? NaN : ms / 86_400_000;
    if (!Number.isInteger(days) || days < min || days > max) ctx.addIssue({ code: 'custom', message: text, input: value });
  });
}

/**
 * Every duration key beside the number it spells: [section (null: top level), duration key, number key,
 * milliseconds per unit of the number]. Both spellings are accepted, one at a time.
 */
export const durationKeys: readonly { section: 'probing' | 'localize' | 'thresholds' | 'linkThresholds' | null; key: string; msKey: string; msPerUnit: number }[] = [
  { section: 'probing', key: 'interval', msKey: 'intervalMs', msPerUnit: 1 },
  { section: 'probing', key: 'probeSpacing', msKey: 'probeSpacingMs', msPerUnit: 1 },
  { section: 'probing', key: 'timeout', msKey: 'timeoutMs', msPerUnit: 1 },
  { section: 'localize', key: 'probeSpacing', msKey: 'probeSpacingMs', msPerUnit: 1 },
  { section: 'thresholds', key: 'delay', msKey: 'delayMs', msPerUnit: 1 },
  { section: 'linkThresholds', key: 'addedDelay', msKey: 'addedDelayMs', msPerUnit: 1 },
  { section: null, key: 'retention', msKey: 'retentionDays', msPerUnit: 86_400_000 },
];

export const defaultProbing = { intervalMs: 10_000, probesPerRound: 10, probeSpacingMs: 100, timeoutMs: 1000, mode: 'loop' } as const;
export const defaultThresholds = { delayMs: 100, lossPct: 5 } as const;
export const defaultHysteresisRounds = 3;
export const defaultRetentionDays = 30;
/**
 * Link localization: cover walks get their own probe count, because a small loss needs probes to show
 * (a 5 % loss is seen in about 10 of 200 probes, and in none of 10 half the time).
 */
export const defaultLocalize = { enabled: true, coverage: 2, maxHops: 16, probesPerWalk: 100, probeSpacingMs: 5 } as const;
/** Where neither linkThresholds nor thresholds are set: low enough to catch a 5 % loss or a 2 ms delay. */
export const defaultLinkThresholds = { lossPct: 2, addedDelayMs: 1 } as const;
/**
 * `/metrics`: RTT histogram bounds from 10 µs (the probe engine times replies to the microsecond, and a
 * LAN hop answers in tens of them) to 1 s, three per decade; and per-path histograms on. Every path's
 * histogram shares these bounds, so Prometheus can sum buckets across paths and probers.
 */
export const defaultMetrics = {
  rttBucketsMs: Object.freeze([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000]) as readonly number[],
  pathHistograms: true,
} as const;
/** Bounds beyond this many multiply every path's series for detail no dashboard shows. */
export const MAX_RTT_BUCKETS = 40;

const pathBounds = z.strictObject(
  {
    maxHops: wholeNumber(1, 64).optional(),
    maxPaths: wholeNumber(1, 1_000_000).optional(),
  },
  { error: 'expected a mapping { maxHops?, maxPaths? }' },
);

const thresholds = z.strictObject(
  {
    delayMs: decimal(0.001, 600_000, 'milliseconds').optional(),
    delay: duration(0.001, 600_000, 'the p50 RTT above which a round is a breach', 'delayMs').optional(),
    lossPct: decimal(0, 100, 'percent').optional(),
  },
  { error: 'expected a mapping { delayMs? (or delay), lossPct? }' },
);

const storage = z.union(
  [
    z.string({ error: 'expected pglite:DIR or postgres://USER@HOST[:PORT]/DB' }).min(1, 'expected pglite:DIR or postgres://USER@HOST[:PORT]/DB'),
    z.strictObject({
      url: z.string({ error: 'expected pglite:DIR or postgres://USER@HOST[:PORT]/DB' }),
      password: secretRefSchema.optional(),
      schema: z
        .string({ error: 'expected a PostgreSQL schema name: lower-case letters, digits and _, at most 63' })
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a PostgreSQL schema name: lower-case letters, digits and _, at most 63')
        .optional(),
    }),
  ],
  { error: 'expected pglite:DIR, postgres://USER@HOST[:PORT]/DB, or { url, password: { env | file } }' },
);

const hostText = 'expected a mapping { name, address: A.B.C.D/LEN, router?, routerAddress? }';
const hosts = z.array(
  z.strictObject(
    {
      name,
      address: z.string({ error: "expected the host's address and subnet length, like 10.2.0.0/31" }),
      router: node.optional(),
      routerAddress: z.string({ error: "expected the router's address on the host's subnet, like 10.2.0.1" }).optional(),
    },
    { error: hostText },
  ),
  { error: 'expected a list of hosts, each { name, address: A.B.C.D/LEN, router?, routerAddress? }' },
);

export const monitorConfigSchema = z.strictObject(
  {
    topology: z
      .string({ error: 'expected a topology file path, file:PATH, or exabgp:PATH (an ExaBGP config to run)' })
      .min(1, 'expected a topology file path, file:PATH, or exabgp:PATH (an ExaBGP config to run)'),
    prober: z.strictObject(
      {
        node,
        listenAddress: z
          .string({ error: 'expected an IPv4 address to receive probe replies on, like 0.0.0.0' })
          .regex(/^(\d{1,3})(\.\d{1,3}){3}$/, 'expected an IPv4 address to receive probe replies on, like 0.0.0.0')
          .optional(),
      },
      { error: 'expected a mapping { node, listenAddress? } naming the prober in the topology' },
    ),
    probing: z
      .strictObject(
        {
          intervalMs: decimal(10, 86_400_000, 'milliseconds between round starts').optional(),
          interval: duration(10, 86_400_000, 'the time between round starts', 'intervalMs').optional(),
          probesPerRound: wholeNumber(1, 10_000, ' of probes per path').optional(),
          probeSpacingMs: decimal(0, 60_000, 'milliseconds between two probes of one path').optional(),
          probeSpacing: duration(0, 60_000, 'the time between two probes of one path', 'probeSpacingMs').optional(),
          timeoutMs: decimal(1, 600_000, 'milliseconds a probe may take').optional(),
          timeout: duration(1, 600_000, 'the time a probe may take', 'timeoutMs').optional(),
          mode: z.enum(['loop', 'direct'], { error: 'expected "loop" or "direct"' }).optional(),
        },
        { error: 'expected a mapping { interval?, probesPerRound?, probeSpacing?, timeout?, mode? } (or intervalMs, probeSpacingMs, timeoutMs as numbers)' },
      )
      .optional(),
    pathBounds: pathBounds.optional(),
    thresholds: thresholds.optional(),
    hysteresisRounds: wholeNumber(1, 1000, ' of rounds').optional(),
    localize: z
      .strictObject(
        {
          enabled: z.boolean({ error: 'expected true or false' }).optional(),
          coverage: wholeNumber(1, 16, ' of walks per directed link').optional(),
          separation: wholeNumber(0, 16, ' of walks per direction that do not cross its reverse').optional(),
          maxHops: wholeNumber(2, 64, ' of links per walk').optional(),
          probesPerWalk: wholeNumber(1, 100_000, ' of probes per walk and round').optional(),
          probeSpacingMs: decimal(0, 60_000, 'milliseconds between two probes of one walk').optional(),
          probeSpacing: duration(0, 60_000, 'the time between two probes of one walk', 'probeSpacingMs').optional(),
        },
        { error: 'expected a mapping { enabled?, coverage?, separation?, maxHops?, probesPerWalk?, probeSpacing? (or probeSpacingMs) }' },
      )
      .optional(),
    linkThresholds: z
      .strictObject(
        {
          lossPct: decimal(0, 100, 'percent').optional(),
          addedDelayMs: decimal(0.001, 600_000, 'milliseconds of added one-way delay').optional(),
          addedDelay: duration(0.001, 600_000, 'the added one-way delay', 'addedDelayMs').optional(),
        },
        { error: 'expected a mapping { lossPct?, addedDelay? (or addedDelayMs) }' },
      )
      .optional(),
    groups: z
      .array(
        z.strictObject(
          {
            name,
            endpoints: z.array(node, { error: 'expected a list of endpoint nodes' }).min(1, 'expected at least one endpoint'),
            pathBounds: pathBounds.optional(),
            thresholds: thresholds.optional(),
          },
          { error: 'expected a mapping { name, endpoints, pathBounds?, thresholds? }' },
        ),
        { error: 'expected a list of groups, each { name, endpoints: [NODE, ...] }' },
      )
      .min(1, 'expected at least one group')
      .optional(),
    /** Probe targets that are not topology nodes (ICMP, TCP, UDP). */
    targets: targetGroupsSchema.optional(),
    /** Device logs received over syslog. */
    syslog: syslogConfigSchema.optional(),
    /** Rules matching events and incidents to actions. */
    remediation: remediationConfigSchema.optional(),
    /** This prober as one agent of a fleet sharing a PostgreSQL server. */
    fleet: fleetConfigSchema.optional(),
    /** Probers and endpoints that are hosts, attached to the topology by configuration (BGP-LS has routers only). */
    hosts: hosts.optional(),
    storage: storage.optional(),
    retentionDays: wholeNumber(1, 3650, ' of days').optional(),
    retention: wholeDays(1, 3650, 'retentionDays').optional(),
    metrics: z
      .strictObject(
        {
          rttBucketsMs: z
            .array(decimal(0.001, 600_000, 'milliseconds'), { error: 'expected a list of RTT bucket upper bounds in milliseconds, like [0.01, 0.1, 1, 10, 100]' })
            .min(1, 'expected at least one RTT bucket upper bound')
            .max(MAX_RTT_BUCKETS, `expected at most ${MAX_RTT_BUCKETS} RTT bucket upper bounds`)
            .optional(),
          pathHistograms: z.boolean({ error: 'expected true or false' }).optional(),
        },
        { error: 'expected a mapping { rttBucketsMs?, pathHistograms? }' },
      )
      .optional(),
    notifiers: z
      .strictObject(
        {
          freshdesk: freshdeskConfigSchema.optional(),
          email: emailConfigSchema.optional(),
        },
        { error: 'expected a mapping { freshdesk?, email? }' },
      )
      .optional(),
  },
  { error: 'expected a mapping with topology, prober, groups and optionally probing, thresholds, storage, notifiers' },
);

export type RawMonitorConfig = z.infer<typeof monitorConfigSchema>;

/** Keys allowed at each level, for "unknown key" messages (zod names the stray key, not the allowed ones). */
export function allowedKeysAt(path: (string | number)[]): string[] {
  const named = path.filter((p): p is string => typeof p === 'string');
  const last = named[named.length - 1] ?? '';
  switch (last) {
    case '':
      return Object.keys(monitorConfigSchema.shape);
    case 'prober':
      return ['node', 'listenAddress'];
    case 'probing':
      return [...Object.keys(defaultProbing), ...durationKeysOf('probing')];
    case 'pathBounds':
      return ['maxHops', 'maxPaths'];
    case 'thresholds':
      return ['delayMs', 'lossPct', ...durationKeysOf('thresholds')];
    case 'localize':
      return [...Object.keys(defaultLocalize), 'separation', ...durationKeysOf('localize')];
    case 'linkThresholds':
      return ['lossPct', 'addedDelayMs', ...durationKeysOf('linkThresholds')];
    case 'groups':
      return ['name', 'endpoints', 'pathBounds', 'thresholds'];
    case 'targets':
      return [...targetGroupKeys];
    case 'storage':
      return ['url', 'password', 'schema'];
    case 'hosts':
      return ['name', 'address', 'router', 'routerAddress'];
    case 'password':
      return ['env', 'file'];
    case 'notifiers':
      return ['freshdesk', 'email'];
    case 'metrics':
      return Object.keys(defaultMetrics);
    case 'freshdesk':
      return Object.keys(freshdeskConfigSchema.shape);
    case 'email':
      return Object.keys(emailConfigSchema.shape);
    case 'apiKey':
      return ['env', 'file'];
    default:
      return [];
  }
}

function durationKeysOf(section: (typeof durationKeys)[number]['section']): string[] {
  return durationKeys.filter((d) => d.section === section).map((d) => d.key);
}
