/**
 * `pathmon events [--since 24h] [--host H] [--code C] [--json]`: device syslog events from the store,
 * newest first: when, which host, severity, error code, status, the incident they were attached to and
 * the message; unparsed lines are listed too, marked, since they are evidence as well. Opens the store
 * read-only, like `report` (openReportStore), so it works beside a running monitor.
 */
import { parseDurationMs } from '../config/index.js';
import { CliError } from '../cli-error.js';
import { toSafeJson } from '../secrets/index.js';
import { textTable } from '../report/text-table.js';
import { listEvents, senderTotals, type EventFilter, type SyslogEvent } from '../syslog/index.js';
import { openReportStore, type StoreOptions } from './report-command.js';

export interface EventsOptions extends StoreOptions {
  since: string;
  /** The `--host` value (kept under its own key, see cli.ts). */
  eventsHost?: string;
  code?: string;
  limit?: number;
  json?: boolean;
}

const SEVERITY = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const MESSAGE_CHARS = 120;

export async function eventsCommand(options: EventsOptions, out: NodeJS.WritableStream, nowMs = Date.now()): Promise<number> {
  const sinceMs = nowMs - parseDurationMs(options.since);
  if (options.code !== undefined && !/^[A-Za-z0-9_%*.-]{1,100}$/.test(options.code)) {
    throw new CliError(
      `pathmon events: --code ${JSON.stringify(options.code)} is not an error code; expected letters, digits, "_", "-" (e.g. LINEPROTO-5-UPDOWN, SNMP_TRAP_LINK_DOWN), optionally ending in * for a prefix`,
      2,
    );
  }
  const filter: EventFilter = { sinceMs, untilMs: nowMs + 1, limit: options.limit ?? 1000 };
  if (options.eventsHost !== undefined) filter.host = options.eventsHost;
  if (options.code !== undefined) filter.code = options.code.replace(/^%/, '');
  const store = await openReportStore(options);
  try {
    const [events, senders] = await Promise.all([listEvents(store.sqlClient, filter), senderTotals(store.sqlClient)]);
    if (options.json) {
      out.write(`${toSafeJson({ sinceMs, untilMs: nowMs, store: store.description, filter: { host: filter.host ?? null, code: filter.code ?? null }, events, senders }, 2)}\n`);
      return 0;
    }
    if (events.length === 0) {
      const what = [filter.host && `host ${filter.host}`, filter.code && `code ${filter.code}`].filter(Boolean).join(', ');
      out.write(
        `no syslog events${what ? ` for ${what}` : ''} in the last ${options.since} in ${store.description}` +
          `${senders.length === 0 ? '; no device has sent any yet (is `syslog:` in the config, and are the devices pointed at it?)' : ''}\n`,
      );
      return 0;
    }
    out.write(`syslog events in ${store.description}, last ${options.since}, newest first${events.length === filter.limit ? ` (the latest ${filter.limit}; --limit for more)` : ''}\n`);
    out.write(`${textTable(['received', 'host', 'sev', 'code', 'status', 'incident', 'message'], events.map(eventRow))}\n`);
    const unparsed = events.filter((event) => !event.parsed).length;
    if (unparsed > 0) out.write(`\n${unparsed} line(s) did not parse as syslog (code UNPARSED): shown as received\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function eventRow(event: SyslogEvent): string[] {
  const time = new Date(event.receivedAtMs).toISOString().replace('T', ' ').replace(/Z$/, 'Z');
  const flags = [event.truncated && 'truncated', event.invalidUtf8 && 'bad UTF-8'].filter(Boolean);
  // A device's control characters would move the terminal's cursor: each is shown as a space.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const text = event.message.replace(/[\x00-\x1f\x7f]/g, ' ');
  const message = (text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS - 1)}…` : text) + (flags.length ? ` [${flags.join(', ')}]` : '');
  return [
    time,
    event.host === event.sourceAddress ? event.host : `${event.host} (${event.sourceAddress})`,
    event.severity === null ? '-' : SEVERITY[event.severity]!,
    event.parsed ? (event.errorCode ?? '-') : 'UNPARSED',
    event.status,
    event.incidentId ?? '-',
    message,
  ];
}
