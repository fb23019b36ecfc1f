/**
 * What set a rule off (a device event, or an incident change) as a flat map of named text fields, and
 * the `{field}` templates that actions, de-duplication keys and throttle keys are written in. One flat
 * map serves templates, the command's PATHMON_EVENT_* environment and the webhook's JSON alike, so a
 * field has one name everywhere.
 */
import type { IncidentChangeKind, IncidentRecord } from '../incidents/incident.js';
import type { SyslogEvent } from '../syslog/syslog-event.js';

/** The fields a template may name, in the order the environment lists them. */
export const triggerFieldNames = [
  'rule',
  'trigger',
  'summary',
  'eventId',
  'receivedAt',
  'host',
  'sourceAddress',
  'program',
  'errorCode',
  'severity',
  'facility',
  'message',
  'node',
  'linkKey',
  'link',
  'incidentId',
  'incidentKind',
  'incidentSubject',
  'incidentLabel',
  'incidentSummary',
  'change',
  'reason',
] as const;

export type TriggerFieldName = (typeof triggerFieldNames)[number];
export type TriggerFields = Record<TriggerFieldName, string>;

/** A device event (correlated as far as it could be) or an incident change. */
export interface Trigger {
  kind: 'event' | 'incident';
  event: SyslogEvent | null;
  incident: IncidentRecord | null;
  change: IncidentChangeKind | null;
  reason: string | null;
  /** `R4→R6` for the correlated link, when there is one. */
  linkLabel: string | null;
}

const known = new Set<string>(triggerFieldNames);
const placeholder = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;

/** Null when the template is well formed and names only known fields; else what is wrong. */
export function templateProblem(text: string): string | null {
  for (const match of text.matchAll(placeholder)) {
    const token = match[0];
    if (token === '{{' || token === '}}') continue;
    if (token === '{' || token === '}') return `template ${JSON.stringify(text)}: lone "${token}" at ${match.index}; expected {field} (write {{ or }} for a brace)`;
    const name = match[1]!.trim();
    if (!known.has(name)) return `template ${JSON.stringify(text)}: unknown field {${name}}; expected one of ${triggerFieldNames.join(', ')}`;
  }
  return null;
}

/** Fills `{field}` from the fields; `{{`/`}}` are literal braces. Validated templates only. */
export function renderTemplate(text: string, fields: TriggerFields): string {
  return text.replace(placeholder, (token, name: string | undefined) => {
    if (token === '{{') return '{';
    if (token === '}}') return '}';
    if (name === undefined) return token;
    return fields[name.trim() as TriggerFieldName] ?? '';
  });
}

export function triggerFields(trigger: Trigger, rule: string): TriggerFields {
  const { event, incident } = trigger;
  const text = (value: string | number | null | undefined) => (value === null || value === undefined ? '' : String(value));
  const eventSummary = event === null ? '' : `${event.host}${event.program ? ` ${event.program}` : ''}${event.errorCode ? ` ${event.errorCode}` : ''}: ${event.message}`;
  return {
    rule,
    trigger: trigger.kind,
    summary: trigger.kind === 'event' ? eventSummary : text(incident?.summary),
    eventId: text(event?.id),
    receivedAt: event === null ? '' : new Date(event.receivedAtMs).toISOString(),
    host: text(event?.host),
    sourceAddress: text(event?.sourceAddress),
    program: text(event?.program),
    errorCode: text(event?.errorCode),
    severity: text(event?.severity),
    facility: text(event?.facility),
    message: text(event?.message),
    node: text(event?.node),
    linkKey: text(event?.linkKey ?? (incident?.subject.kind === 'link' ? incident.subject.linkKeys.join(',') : null)),
    link: text(trigger.linkLabel ?? (incident !== null && incident.subject.kind !== 'path' ? incident.subject.label : null)),
    incidentId: text(incident?.id),
    incidentKind: text(incident?.kind),
    incidentSubject: text(incident?.subjectKey),
    incidentLabel: text(incident?.subject.label),
    incidentSummary: text(incident?.summary),
    change: text(trigger.change),
    reason: text(trigger.reason),
  };
}

/** `errorCode` → `PATHMON_EVENT_ERROR_CODE`. */
export function envName(field: TriggerFieldName): string {
  return `PATHMON_EVENT_${field.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

export function triggerEnv(fields: TriggerFields): Record<string, string> {
  // NUL cannot be in an environment value; a device line might carry one.
  return Object.fromEntries(triggerFieldNames.map((name) => [envName(name), fields[name].replace(/\0/g, '')]));
}
