/**
 * The `remediation:` section: rules that match device events and incident changes to actions, the
 * default rule for events no rule matched, and the worker pool that runs the actions.
 *
 * Everything an action sends is a template over the trigger's fields (`{host}`, `{errorCode}`,
 * `{incidentLabel}`, ...), checked here so a misspelt field is a config error at start, never an empty
 * string in a ticket at 3 a.m. Regular expressions are compiled here for the same reason.
 */
import { z } from 'zod';
import { templateProblem } from './trigger-template.js';

/** Syslog severities, 0 most severe; a rule's `severity` matches events at that level or more severe. */
export const severityNames = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

const template = z.string({ error: 'expected a template string like "{host}: {errorCode}"' }).superRefine((text, ctx) => {
  const problem = templateProblem(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** A name or several; `*` in a name matches any run of characters, case is ignored. */
const globs = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: 'expected a name or a list of names ("*" matches any characters)',
});

const regex = z.string({ error: 'expected a regular expression string' }).superRefine((text, ctx) => {
  try {
    new RegExp(text, 'u');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `expected a valid regular expression: ${(error as Error).message}` });
  }
});

const severity = z.union([z.int().min(0).max(7), z.enum(severityNames)], {
  error: `expected a syslog severity 0-7 or one of ${severityNames.join(', ')}`,
});

const timeoutMs = (defaultMs: number) => z.int({ error: 'expected whole milliseconds' }).min(10).max(3_600_000).default(defaultMs);

const incidentMatchSchema = z.strictObject(
  {
    /** Incident kinds; any when absent. */
    kind: z
      .array(z.enum(['down', 'loss', 'delay']))
      .min(1)
      .optional(),
    /** Link incidents between these nodes, `R4-R6` (either order), or `*` for any link; link or group subjects only. */
    link: globs.optional(),
    /** Group incidents whose group id matches; `*` for any group. */
    group: globs.optional(),
    /** Which changes trigger the rule (default: opened). */
    change: z
      .array(z.enum(['opened', 'updated', 'resolved']))
      .min(1)
      .default(['opened']),
  },
  { error: 'expected a mapping { kind?, link?, group?, change? }' },
);

export const ruleMatchSchema = z.strictObject(
  {
    errorCode: globs.optional(),
    /** This severity or more severe (numerically at most). */
    severity: severity.optional(),
    host: globs.optional(),
    program: globs.optional(),
    /** Tested against the event's message. */
    message: regex.optional(),
    /** The topology node the event was correlated with. */
    node: globs.optional(),
    /**
     * Alone: the rule fires on incident changes. With event fields: on events attached to such an incident.
     */
    incident: incidentMatchSchema.optional(),
  },
  { error: 'expected a mapping { errorCode?, severity?, host?, program?, message?, node?, incident? }' },
);

const freshdeskPriority = z.int().min(1).max(4);

const commandSpec = z.strictObject({
  /** argv[0] is the program (PATH is searched); no shell is involved, so nothing in a field is interpreted. */
  argv: z.array(template, { error: 'expected argv as a list of strings, e.g. ["/usr/local/bin/isolate", "{linkKey}"]' }).min(1, 'expected at least the program in argv'),
  timeoutMs: timeoutMs(30_000),
  /** Extra environment (templates); the trigger's fields come as PATHMON_EVENT_*. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), template).default({}),
});

const ticketSpec = z.strictObject({
  subject: template,
  description: template.default('{summary}'),
  priority: freshdeskPriority.default(2),
  groupId: z.int().positive().optional(),
  tags: z.array(z.string().min(1).max(32)).default([]),
});

export const actionSchema = z.discriminatedUnion(
  'type',
  [
    /** A note on the ticket of the trigger's incident. */
    z.strictObject({ type: z.literal('note'), text: template }),
    /** A new Freshdesk ticket. */
    z.strictObject({ type: z.literal('ticket'), ...ticketSpec.shape }),
    z.strictObject({
      type: z.literal('mail'),
      /** Default: the recipients of `notifiers.email`. */
      to: z
        .array(z.email({ pattern: z.regexes.html5Email, error: 'expected an e-mail address' }))
        .min(1)
        .optional(),
      subject: template,
      text: template,
    }),
    z.strictObject({
      type: z.literal('webhook'),
      url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
      timeoutMs: timeoutMs(5_000),
      headers: z.record(z.string(), z.string()).default({}),
    }),
    z.strictObject({ type: z.literal('command'), ...commandSpec.shape }),
  ],
  { error: 'expected an action { type: note | ticket | mail | webhook | command, ... }' },
);

const keySpec = (what: string) =>
  z.strictObject(
    {
      /** Template: triggers with the same key share the limit. */
      key: template,
      windowMs: z
        .int()
        .min(1)
        .max(30 * 86_400_000),
    },
    { error: `expected ${what}` },
  );

const throttleSchema = z.strictObject(
  {
    key: template.default('{rule}'),
    /** Runs of the rule per key per window; the rest are counted as throttled. */
    max: z.int().min(1).max(1_000_000),
    windowMs: z
      .int()
      .min(1)
      .max(30 * 86_400_000),
  },
  { error: 'expected a mapping { key?, max, windowMs }' },
);

/**
 * N device events matching the rule on one physical link within `withinMs`, counted per link (both
 * ends' reports count for the same link): the rule fires when the count reaches N, then counts anew.
 * Events that cannot be placed on a link do not count.
 */
const thresholdSchema = z.strictObject(
  {
    count: z.int({ error: 'expected a whole number of events' }).min(1, 'expected at least 1 event').max(100_000, 'expected at most 100000 events'),
    withinMs: z
      .int({ error: 'expected whole milliseconds' })
      .min(1, 'expected at least 1 ms')
      .max(7 * 86_400_000, 'expected at most 7 days (604800000 ms)'),
  },
  { error: 'expected a mapping { count, withinMs }, e.g. { count: 5, withinMs: 60000 }' },
);

/**
 * The link isolation workflow: on a link incident (or on `threshold` device events on one link), isolate once, ticket the data-center team, poll the
 * ticket, restore when it is resolved, re-verify the link with the probes, note the outcome and close.
 */
export const isolateSchema = z.strictObject(
  {
    isolate: commandSpec,
    restore: commandSpec,
    ticket: ticketSpec,
    /** How often the data-center ticket is read (default hourly). */
    pollIntervalMs: z
      .int()
      .min(100)
      .max(7 * 86_400_000)
      .default(3_600_000),
    /** How long after the restore the probes have to show the link healthy (default 10 min). */
    verifyTimeoutMs: z.int().min(100).max(86_400_000).default(600_000),
  },
  { error: 'expected a mapping { isolate: {argv}, restore: {argv}, ticket: {subject}, pollIntervalMs?, verifyTimeoutMs? }' },
);

const ruleSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a rule name of letters, digits, "_", "." or "-"'),
    match: ruleMatchSchema,
    /** A trigger whose key was already seen within the window runs nothing (counted as a duplicate). */
    dedup: keySpec('a mapping { key, windowMs }').optional(),
    throttle: throttleSchema.optional(),
    /** Fire only when this many matching events arrived on one link within the window (per link). */
    threshold: thresholdSchema.optional(),
    actions: z.array(actionSchema).default([]),
    isolate: isolateSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.actions.length === 0 && rule.isolate === undefined) {
      ctx.addIssue({ code: 'custom', path: ['actions'], message: `rule "${rule.name}": expected at least one action or an isolate workflow` });
    }
    if (Object.values(rule.match).every((value) => value === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['match'], message: `rule "${rule.name}": expected at least one match field (use remediation.default for every unmatched event)` });
    }
    const eventFields = Object.entries(rule.match)
      .filter(([k, v]) => k !== 'incident' && v !== undefined)
      .map(([k]) => k);
    if (rule.threshold !== undefined) {
      if (eventFields.length === 0 || rule.match.incident !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['threshold'],
          message: `rule "${rule.name}": threshold counts device events per link; expected match to hold event fields (errorCode, severity, host, program, message, node) and no incident (got ${JSON.stringify(Object.keys(rule.match))})`,
        });
      }
    } else if (rule.isolate !== undefined) {
      const incident = rule.match.incident;
      if (incident === undefined || eventFields.length > 0 || incident.group !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['isolate'],
          message: `rule "${rule.name}": isolate works on link incidents or on device events counted per link; expected match to hold only incident: { link, kind?, change? }, or event fields with threshold: { count, withinMs } (got ${JSON.stringify(Object.keys(rule.match))})`,
        });
      } else if (incident.link === undefined) {
        ctx.addIssue({ code: 'custom', path: ['match', 'incident', 'link'], message: `rule "${rule.name}": isolate needs match.incident.link (e.g. "R4-R6" or "*")` });
      }
    }
  });

const defaultRuleSchema = z.strictObject(
  {
    dedup: keySpec('a mapping { key, windowMs }').optional(),
    throttle: throttleSchema.optional(),
    actions: z.array(actionSchema).min(1, 'expected at least one action for unmatched events'),
  },
  { error: 'expected a mapping { actions, dedup?, throttle? }' },
);

export const remediationConfigSchema = z
  .strictObject({
    /** Actions running at once. */
    workers: z.number().int().min(1).max(256).default(4),
    /** Output kept per run (stdout and stderr together, or a webhook's answer); the rest is cut. */
    maxOutputBytes: z
      .int()
      .min(256)
      .max(16 * 1024 * 1024)
      .default(65_536),
    rules: z.array(ruleSchema).default([]),
    /** What runs for an event no rule matched. */
    default: defaultRuleSchema.optional(),
    /**
     * Interface names per node, to tell a link from a log line that names only the interface:
     * `{ R4: { "eth1": "R6" } }` (node → interface → the node at the other end).
     */
    interfaces: z.record(z.string().min(1), z.record(z.string().min(1), z.string().min(1))).default({}),
    /** Device events attached to an incident are gathered into one ticket note at most this often. */
    attachNoteDelayMs: z.int().min(0).max(3_600_000).default(5_000),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.rules.forEach((rule, index) => {
      if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `rule name "${rule.name}" is used twice; expected unique rule names` });
      seen.add(rule.name);
    });
  });

export type RemediationConfig = z.output<typeof remediationConfigSchema>;
export type RuleConfig = RemediationConfig['rules'][number];
export type DefaultRuleConfig = NonNullable<RemediationConfig['default']>;
export type ActionConfig = z.output<typeof actionSchema>;
export type IsolateConfig = z.output<typeof isolateSchema>;
export type ThresholdConfig = z.output<typeof thresholdSchema>;
export type RuleMatchConfig = z.output<typeof ruleMatchSchema>;
export type CommandSpec = z.output<typeof commandSpec>;
export type TicketSpec = z.output<typeof ticketSpec>;
