/**
 * The schema of pathmon's YAML topology (also the lab's file format), in one place, and the translation
 * of schema issues into messages a person can act on: the YAML path (`links[3].bAddress`), the value
 * found, and what was expected. Every custom message here starts with "expected" so the formatter can
 * put "got <value>;" in front of it. Cross-field rules live in `yaml-topology.ts`, which runs them only
 * on input that passed this schema.
 */
import { z } from 'zod';
import { isIpv4, parseIpv4Cidr } from './ipv4.js';
import { show } from './values.js';
import { normaliseRouterId } from './router-id.js';

/** Default IGP metric of a link that gives none. */
export const DEFAULT_LINK_METRIC = 10;
/** Largest IS-IS wide metric (RFC 5305 §3.7); OSPF's 16-bit range fits inside it. */
export const MAX_LINK_METRIC = 16_777_215;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const EXPECT_NAME = 'expected a name of 1 to 32 letters, digits, "_", "." or "-", starting with a letter or digit';
const EXPECT_ROUTER_ID = 'expected a quoted router id: an IS-IS system id like "000010000001" or an OSPF id like "1.1.1.1" (unquoted digits are read as a number)';
const EXPECT_CIDR = 'expected an IPv4 address with a prefix length from 1 to 31, like 10.1.1.0/31';
const EXPECT_METRIC = `expected an integer metric from 1 to ${MAX_LINK_METRIC}`;

const nameSchema = z.string({ error: EXPECT_NAME }).regex(NAME, EXPECT_NAME);

const routerIdSchema = z.string({ error: EXPECT_ROUTER_ID }).refine((v) => {
  const id = normaliseRouterId(v);
  return id !== undefined && (/^[0-9a-f]{12}$/.test(id) || isIpv4(id));
}, EXPECT_ROUTER_ID);

const cidrSchema = z.string({ error: EXPECT_CIDR }).refine((v) => {
  const cidr = parseIpv4Cidr(v);
  return cidr !== undefined && cidr.prefixLength >= 1 && cidr.prefixLength <= 31;
}, EXPECT_CIDR);

const metricSchema = z.number({ error: EXPECT_METRIC }).int(EXPECT_METRIC).min(1, EXPECT_METRIC).max(MAX_LINK_METRIC, EXPECT_METRIC);

const routerSchema = z.strictObject({ name: nameSchema, routerId: routerIdSchema.optional() });
const hostSchema = z.strictObject({ name: nameSchema });
const linkSchema = z.strictObject({
  a: nameSchema,
  aAddress: cidrSchema,
  b: nameSchema,
  bAddress: cidrSchema,
  metric: metricSchema.optional(),
});

/** The raw YAML topology as the schema accepts it (before cross-field checks and normalisation). */
export const yamlTopologySchema = z.strictObject(
  {
    name: z.string({ error: 'expected a topology name string' }).min(1, 'expected a non-empty topology name').optional(),
    routers: z.array(routerSchema, { error: 'expected a list of routers, each { name, routerId? }' }).min(1, 'expected at least one router'),
    // `hosts:` or `links:` with nothing after it is YAML null: read it as an empty list, as people mean it.
    hosts: z.array(hostSchema, { error: 'expected a list of hosts, each { name }' }).nullish(),
    links: z.array(linkSchema, { error: 'expected a list of links, each { a, aAddress, b, bAddress, metric? }' }).nullish(),
  },
  { error: 'expected a mapping with routers, hosts and links' },
);

export type RawYamlTopology = z.infer<typeof yamlTopologySchema>;

// Allowed keys per object, for "unknown key" messages (zod reports the stray key, not the allowed ones).
const ALLOWED_KEYS: Record<string, string[]> = {
  '': ['name', 'routers', 'hosts', 'links'],
  routers: ['name', 'routerId'],
  hosts: ['name'],
  links: ['a', 'aAddress', 'b', 'bAddress', 'metric'],
};

/** One problem, located by its YAML path. */
export interface YamlProblem {
  path: (string | number)[];
  text: string;
}

/** `['links', 3, 'bAddress']` to `links[3].bAddress`; the empty path to `(top level)`. */
export function formatYamlPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Zod issues as problems with the bad value and the expectation spelled out. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): YamlProblem[] {
  const problems: YamlProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = ALLOWED_KEYS[typeof path[0] === 'string' ? path[0] : ''] ?? [];
      for (const key of issue.keys) {
        problems.push({ path: [...path, key], text: `unknown key; expected one of ${allowed.join(', ')}` });
      }
      continue;
    }
    const input = (issue as { input?: unknown }).input;
    const got = input === undefined ? 'missing' : `got ${show(input)}`;
    const expected = issue.message.startsWith('expected') ? issue.message : issue.code === 'invalid_type' ? `expected ${issue.expected}` : `expected a valid value (${issue.message})`;
    problems.push({ path, text: `${got}; ${expected}` });
  }
  return problems;
}
