/**
 * The `remediation:` config and its rules: what each match field selects (and what it must not),
 * templates filled from the trigger, the environment a command gets, and config mistakes refused with
 * the field named.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { remediationConfigSchema, type RemediationConfig } from '../../../src/remediate/remediation-config-schema.js';
import { compileRules, matchingRules } from '../../../src/remediate/rule-matcher.js';
import { renderTemplate, templateProblem, triggerEnv, triggerFields, type Trigger } from '../../../src/remediate/trigger-template.js';
import { renderAction } from '../../../src/remediate/remediation-engine.js';
import { r46Incident, syslogEvent } from '../../integration/remediate/remediate-fixtures.js';

const parse = (raw: unknown): RemediationConfig => remediationConfigSchema.parse(raw);
const eventTrigger = (overrides: Parameters<typeof syslogEvent>[0] = {}, incident = null as ReturnType<typeof r46Incident> | null): Trigger => ({
  kind: 'event',
  event: syslogEvent(overrides),
  incident,
  change: null,
  reason: null,
  linkLabel: null,
});
const names = (config: RemediationConfig, trigger: Trigger) => matchingRules(compileRules(config.rules), trigger).map((r) => r.name);
const cmd = { type: 'command', argv: ['/bin/true'] };

describe('rule matching', () => {
  const config = parse({
    rules: [
      { name: 'updown', match: { errorCode: 'LINEPROTO-5-*' }, actions: [cmd] },
      { name: 'severe', match: { severity: 'err' }, actions: [cmd] },
      { name: 'edge-bgp', match: { host: ['edge*', 'R9'], program: 'bgpd' }, actions: [cmd] },
      { name: 'ospf-down', match: { program: 'ospfd', message: 'Full -> (Deleted|Down)' }, actions: [cmd] },
      { name: 'on-down-incident', match: { incident: { kind: ['down'], link: 'R6-R4' } }, actions: [cmd] },
      { name: 'event-on-incident', match: { program: 'ospfd', incident: { link: '*' } }, actions: [cmd] },
      { name: 'group', match: { incident: { group: 'g-*', change: ['opened', 'resolved'] } }, actions: [cmd] },
    ],
  });

  it('matches error codes by pattern, case ignored, and only those', () => {
    assert.deepEqual(names(config, eventTrigger({ errorCode: 'lineproto-5-updown', program: 'x', message: 'm', severity: 5 })), ['updown']);
    assert.deepEqual(names(config, eventTrigger({ errorCode: 'LINK-3-UPDOWN', program: 'x', message: 'm', severity: 5 })), []);
  });

  it('matches severity at or above the level named (numerically at most)', () => {
    assert.deepEqual(names(config, eventTrigger({ severity: 3, program: 'x', message: 'm' })), ['severe']);
    assert.deepEqual(names(config, eventTrigger({ severity: 2, program: 'x', message: 'm' })), ['severe']);
    assert.deepEqual(names(config, eventTrigger({ severity: 4, program: 'x', message: 'm' })), []);
    assert.deepEqual(names(config, eventTrigger({ severity: null, program: 'x', message: 'm' })), []);
  });

  it('needs every field of a rule to match (host and program)', () => {
    assert.deepEqual(names(config, eventTrigger({ host: 'edge12', program: 'bgpd', message: 'm' })), ['edge-bgp']);
    assert.deepEqual(names(config, eventTrigger({ host: 'core1', program: 'bgpd', message: 'm' })), []);
    assert.deepEqual(names(config, eventTrigger({ host: 'edge12', program: 'ospfd', message: 'm' })), []);
  });

  it('matches the message by regular expression', () => {
    assert.deepEqual(names(config, eventTrigger()), ['ospf-down']);
    assert.deepEqual(names(config, eventTrigger({ message: 'AdjChg: Nbr 10.255.0.6 on x: Loading -> Full' })), []);
  });

  it('an event rule with incident fires only on events attached to such an incident', () => {
    assert.deepEqual(names(config, eventTrigger({}, r46Incident())), ['ospf-down', 'event-on-incident']);
  });

  it('incident rules fire on incident changes by kind, link (either order) and change', () => {
    const trigger = (incident: ReturnType<typeof r46Incident>, change: 'opened' | 'updated' | 'resolved'): Trigger => ({
      kind: 'incident',
      event: null,
      incident,
      change,
      reason: 'r',
      linkLabel: null,
    });
    assert.deepEqual(names(config, trigger(r46Incident(), 'opened')), ['on-down-incident']);
    assert.deepEqual(names(config, trigger(r46Incident(), 'resolved')), [], 'change defaults to opened');
    assert.deepEqual(names(config, trigger(r46Incident('x', { kind: 'loss' }), 'opened')), []);
    const r45 = r46Incident('y', { subject: { kind: 'link', linkKeys: ['a'], label: 'R4→R5', direction: 'one-way' } });
    assert.deepEqual(names(config, trigger(r45, 'opened')), []);
    const group = r46Incident('z', { subject: { kind: 'group', groupId: 'g-7', linkKeys: ['a'], label: 'R1→R2, R2→R3' } });
    assert.deepEqual(names(config, trigger(group, 'resolved')), ['group']);
  });
});

describe('templates and environment', () => {
  it('fills fields, keeps doubled braces literal, and names an unknown field', () => {
    const fields = triggerFields(eventTrigger({ host: 'R4', errorCode: 'OSPF-5-ADJCHG' }), 'r1');
    assert.equal(renderTemplate('{host}/{errorCode} {{x}} {rule}', fields), 'R4/OSPF-5-ADJCHG {x} r1');
    assert.match(templateProblem('{hots}') ?? '', /unknown field \{hots\}.*host/);
    assert.match(templateProblem('a } b') ?? '', /lone "}"/);
    assert.equal(templateProblem('{host} {{ok}}'), null);
  });

  it('gives a command the trigger as PATHMON_EVENT_* and renders argv without a shell', () => {
    const config = parse({ rules: [{ name: 'c', match: { program: '*' }, actions: [{ type: 'command', argv: ['/bin/echo', '{host}', '{message}'], env: { WHO: '{node}' } }] }] });
    const fields = triggerFields(eventTrigger({ host: 'R4', message: 'a; rm -rf / $(x)', node: 'R4', errorCode: 'E-1-X' }), 'c');
    const action = renderAction(config.rules[0]!.actions[0]!, fields);
    assert.deepEqual(action, { type: 'command', argv: ['/bin/echo', 'R4', 'a; rm -rf / $(x)'], timeoutMs: 30_000, env: { WHO: 'R4' } });
    const env = triggerEnv(fields);
    assert.equal(env.PATHMON_EVENT_HOST, 'R4');
    assert.equal(env.PATHMON_EVENT_ERROR_CODE, 'E-1-X');
    assert.equal(env.PATHMON_EVENT_RULE, 'c');
  });
});

describe('config validation', () => {
  const problems = (raw: unknown) => {
    const result = remediationConfigSchema.safeParse(raw);
    assert.equal(result.success, false, 'expected the config to be refused');
    return result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
  };

  it('refuses an unknown template field, naming the field and the rule path', () => {
    assert.match(problems({ rules: [{ name: 'a', match: { host: 'x' }, actions: [{ type: 'note', text: 'on {hots}' }] }] }), /rules\.0\.actions\.0\.text: .*unknown field \{hots\}/);
  });

  it('refuses a bad regular expression, a rule without actions, an empty match and duplicate names', () => {
    assert.match(problems({ rules: [{ name: 'a', match: { message: '([' }, actions: [cmd] }] }), /rules\.0\.match\.message: expected a valid regular expression/);
    assert.match(problems({ rules: [{ name: 'a', match: { host: 'x' } }] }), /expected at least one action/);
    assert.match(problems({ rules: [{ name: 'a', match: {}, actions: [cmd] }] }), /expected at least one match field/);
    assert.match(
      problems({
        rules: [
          { name: 'a', match: { host: 'x' }, actions: [cmd] },
          { name: 'a', match: { host: 'y' }, actions: [cmd] },
        ],
      }),
      /used twice/,
    );
  });

  it('refuses an unknown action type, a severity out of range, and a command without argv', () => {
    assert.match(problems({ rules: [{ name: 'a', match: { host: 'x' }, actions: [{ type: 'sms' }] }] }), /rules\.0\.actions\.0/);
    assert.match(problems({ rules: [{ name: 'a', match: { severity: 9 }, actions: [cmd] }] }), /severity/);
    assert.match(problems({ rules: [{ name: 'a', match: { host: 'x' }, actions: [{ type: 'command', argv: [] }] }] }), /at least the program/);
  });

  it('refuses an isolate workflow on anything but a link incident', () => {
    const isolate = { isolate: { argv: ['/bin/true'] }, restore: { argv: ['/bin/true'] }, ticket: { subject: 'isolate {link}' } };
    assert.match(problems({ rules: [{ name: 'a', match: { host: 'x' }, isolate }] }), /isolate works on link incidents/);
    assert.match(problems({ rules: [{ name: 'a', match: { incident: { kind: ['down'] } }, isolate }] }), /needs match\.incident\.link/);
    const ok = parse({ rules: [{ name: 'a', match: { incident: { link: '*' } }, isolate }] });
    assert.equal(ok.rules[0]!.isolate!.pollIntervalMs, 3_600_000);
  });
});
