/**
 * Which rules a trigger sets off. A rule whose match holds only `incident` fires on incident changes;
 * a rule with event fields fires on device events (and, with `incident` too, only on events attached to
 * such an incident). Every field given must match. An event no rule matched goes to the default rule.
 * Patterns are compiled once, when the rules are built.
 */
import type { IncidentRecord } from '../incidents/incident.js';
import { severityNames, type RuleConfig, type RuleMatchConfig } from './remediation-config-schema.js';
import type { Trigger } from './trigger-template.js';

type Test = (trigger: Trigger) => boolean;

export interface CompiledRule {
  rule: RuleConfig;
  /** Fires on incident changes (match holds only `incident`), else on events. */
  onIncidents: boolean;
  matches: Test;
}

/** `*` matches any run of characters; case is ignored; the whole text must match. */
export function globTest(patterns: string | string[]): (text: string | null) => boolean {
  const list = (Array.isArray(patterns) ? patterns : [patterns]).map(
    (p) =>
      new RegExp(
        `^${p
          .split('*')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        'is',
      ),
  );
  return (text) => text !== null && list.some((re) => re.test(text));
}

export function compileRules(rules: readonly RuleConfig[]): CompiledRule[] {
  return rules.map((rule) => {
    const eventFields = Object.entries(rule.match).filter(([key, value]) => key !== 'incident' && value !== undefined);
    return { rule, onIncidents: eventFields.length === 0, matches: compileMatch(rule.match, eventFields.length === 0) };
  });
}

/** The rules the trigger sets off, in config order. */
export function matchingRules(compiled: readonly CompiledRule[], trigger: Trigger): RuleConfig[] {
  const wantIncidents = trigger.kind === 'incident';
  return compiled.filter((c) => c.onIncidents === wantIncidents && c.matches(trigger)).map((c) => c.rule);
}

function compileMatch(match: RuleMatchConfig, onIncidents: boolean): Test {
  const tests: Test[] = [];
  if (match.errorCode !== undefined) {
    const test = globTest(match.errorCode);
    tests.push((t) => test(t.event?.errorCode ?? null));
  }
  if (match.severity !== undefined) {
    const limit = typeof match.severity === 'number' ? match.severity : severityNames.indexOf(match.severity);
    tests.push((t) => t.event?.severity !== null && t.event?.severity !== undefined && t.event.severity <= limit);
  }
  if (match.host !== undefined) {
    const test = globTest(match.host);
    tests.push((t) => test(t.event?.host ?? null));
  }
  if (match.program !== undefined) {
    const test = globTest(match.program);
    tests.push((t) => test(t.event?.program ?? null));
  }
  if (match.message !== undefined) {
    const re = new RegExp(match.message, 'u');
    tests.push((t) => t.event !== null && re.test(t.event.message));
  }
  if (match.node !== undefined) {
    const test = globTest(match.node);
    tests.push((t) => test(t.event?.node ?? null));
  }
  const incident = match.incident;
  if (incident !== undefined) {
    const kinds = incident.kind;
    const link = incident.link === undefined ? null : linkTest(incident.link);
    const group = incident.group === undefined ? null : globTest(incident.group);
    tests.push((t) => {
      const i = t.incident;
      if (i === null) return false;
      if (onIncidents && (t.change === null || !incident.change.includes(t.change))) return false;
      if (kinds !== undefined && !kinds.includes(i.kind)) return false;
      if (link !== null && !link(i)) return false;
      if (group !== null && !(i.subject.kind === 'group' && group(i.subject.groupId))) return false;
      return true;
    });
  }
  return (trigger) => tests.every((test) => test(trigger));
}

/**
 * `R4-R6` matches the link between R4 and R6 in either direction (node names may hold `-`, so every
 * split is tried); `*` matches any link incident.
 */
function linkTest(patterns: string | string[]): (incident: IncidentRecord) => boolean {
  const pairs = (Array.isArray(patterns) ? patterns : [patterns]).map((pattern) => {
    if (pattern === '*') return null;
    const splits: [(s: string | null) => boolean, (s: string | null) => boolean][] = [];
    for (let i = pattern.indexOf('-'); i > 0; i = pattern.indexOf('-', i + 1)) {
      splits.push([globTest(pattern.slice(0, i)), globTest(pattern.slice(i + 1))]);
    }
    return splits;
  });
  return (incident) => {
    if (incident.subject.kind !== 'link') return false;
    const ends = incident.subject.label.split(/→|↔/);
    if (ends.length !== 2) return false;
    const [a, b] = ends as [string, string];
    return pairs.some((splits) => splits === null || splits.some(([x, y]) => (x(a) && y(b)) || (x(b) && y(a))));
  };
}
