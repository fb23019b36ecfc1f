/**
 * One decoded line to the fields of a SyslogEvent: PRI, time, host, program, code, message and
 * structured data, RFC 5424 or RFC 3164.
 *
 * The header is read by nsyslog-parser rather than glossy or a parser of our own: it takes both RFCs
 * and the many lines that follow neither exactly (Cisco's `<189>123: *Mar  1 ...: %LINEPROTO-...`, an
 * ISO time without a version), never throws on garbage (it returns `{err}`), has no dependencies and
 * parses about 200,000 lines a second on one core; glossy's RFC 3164 matcher rejects those Cisco lines
 * and has not been released since 2016. Three things it gets wrong are put right here:
 * - its structured-data reader splits values on spaces and quotes, so a value holding `\"` or `]`
 *   (RFC 5424 §6.3.3 escapes) loses its element: SD is re-read from the header's end by sdElements;
 * - an RFC 5424 NILVALUE `-` comes back as a host or program named "-";
 * - an RFC 3164 time has no year; it gets the wall clock's, which puts a December line received in
 *   January a year ahead: it gets the year of reception, and a time more than a day after reception
 *   is moved back a year.
 * A line without a valid PRI is not syslog: it is kept as an unparsed event (parsed: false).
 */
import parseSyslog from 'nsyslog-parser';
import { codeAndFacts } from './error-codes.js';
import type { SyslogEvent } from './syslog-event.js';

export type ParsedFields = Pick<SyslogEvent, 'deviceTimeMs' | 'host' | 'facility' | 'severity' | 'program' | 'errorCode' | 'message' | 'structuredData' | 'parsed' | 'facts'>;

const PRI = /^<(\d{1,3})>/;
const DAY_MS = 86_400_000;
const CODE_AS_TAG = /^%?[A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*-[0-7]-[A-Z][A-Z0-9_]*$/;

/** `text`: the decoded line; `sourceAddress`: the sender, the host when the line names none. */
export function parseLine(text: string, sourceAddress: string, receivedAtMs: number): ParsedFields {
  const pri = PRI.exec(text);
  const prival = pri ? Number(pri[1]) : NaN;
  if (!pri || prival > 191 || (pri[1]!.length > 1 && pri[1]!.startsWith('0'))) return unparsed(text, sourceAddress);
  const entry = parseSyslog(text, { cef: false, leef: false, fields: false, pid: true, generateTimestamp: false });
  if (entry.err !== undefined || entry.type === undefined) return unparsed(text, sourceAddress);

  const rfc5424 = entry.type === 'RFC5424';
  let message = entry.message ?? '';
  let structuredData: SyslogEvent['structuredData'] = {};
  let messageId: string | null = null;
  if (rfc5424) {
    const header = rfc5424Header(text);
    if (header) {
      structuredData = header.structuredData;
      message = header.message;
      messageId = header.messageId;
    }
  }
  const nil = (value: string | undefined): string | null => (value === undefined || value === '' || (rfc5424 && value === '-') ? null : value);
  // Only an RFC 5424 or RFC 3164 header names a host; in an UNKNOWN line nsyslog's "host" is a word of the message.
  const host = entry.type === 'UNKNOWN' ? null : nil(entry.host);
  const program = entry.type === 'UNKNOWN' ? null : nil(entry.appName);
  // A header-less Cisco line (`HOST %FAC-SEV-MNEMONIC: text`) leaves the code where RFC 3164 has its TAG.
  const codeInTag = program !== null && CODE_AS_TAG.test(program);
  const { errorCode, facts } = codeAndFacts(codeInTag ? `${program}: ${message}` : message, messageId);
  return {
    deviceTimeMs: deviceTime(entry.ts, entry.type === 'BSD', receivedAtMs),
    host: host ?? sourceAddress,
    facility: prival >> 3,
    severity: prival & 7,
    program,
    errorCode,
    message,
    structuredData,
    parsed: true,
    facts,
  };
}

function unparsed(text: string, sourceAddress: string): ParsedFields {
  return {
    deviceTimeMs: null,
    host: sourceAddress,
    facility: null,
    severity: null,
    program: null,
    errorCode: null,
    message: text,
    structuredData: {},
    parsed: false,
    facts: {},
  };
}

function deviceTime(ts: Date | undefined, bsd: boolean, receivedAtMs: number): number | null {
  const ms = ts?.getTime();
  if (ms === undefined || !Number.isFinite(ms)) return null;
  if (!bsd) return ms;
  // nsyslog gives the year of the wall clock; the year of reception is the one to start from.
  const dated = new Date(ms);
  dated.setFullYear(new Date(receivedAtMs).getFullYear());
  if (dated.getTime() > receivedAtMs + DAY_MS) dated.setFullYear(dated.getFullYear() - 1);
  return dated.getTime();
}

/**
 * RFC 5424 §6: `<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]`.
 * The six header fields hold no spaces, so SD starts after the sixth space; null when it does not.
 */
function rfc5424Header(text: string): { messageId: string | null; structuredData: SyslogEvent['structuredData']; message: string } | null {
  let at = 0;
  let msgIdStart = 0;
  for (let field = 0; field < 6; field++) {
    const space = text.indexOf(' ', at);
    if (space < 0) return null;
    if (field === 5) msgIdStart = at;
    at = space + 1;
  }
  const messageId = text.slice(msgIdStart, at - 1);
  const sd = sdElements(text, at);
  if (!sd) return null;
  let message = text.slice(sd.end).replace(/^ /, '');
  if (message.startsWith('\uFEFF')) message = message.slice(1); // §6.4: a BOM marks UTF-8 MSG
  return { messageId: messageId === '-' ? null : messageId, structuredData: sd.elements, message };
}

/** §6.3: `-` or one or more `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]`, with `\"`, `\\` and `\]` escaped in values. */
function sdElements(text: string, start: number): { elements: SyslogEvent['structuredData']; end: number } | null {
  if (text.startsWith('-', start)) return { elements: {}, end: start + 1 };
  const elements: SyslogEvent['structuredData'] = {};
  let at = start;
  if (text[at] !== '[') return null;
  while (text[at] === '[') {
    const idEnd = indexOfAny(text, at + 1, ' ]');
    if (idEnd < 0) return null;
    const id = text.slice(at + 1, idEnd);
    const params: Record<string, string> = elements[id] ?? {};
    at = idEnd;
    while (text[at] === ' ') {
      const eq = text.indexOf('="', at + 1);
      if (eq < 0) return null;
      const name = text.slice(at + 1, eq);
      let value = '';
      let i = eq + 2;
      for (; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\' || text[i + 1] === ']')) i++;
        value += text[i];
      }
      if (i >= text.length) return null;
      params[name] = value;
      at = i + 1;
    }
    if (text[at] !== ']') return null;
    elements[id] = params;
    at++;
  }
  return { elements, end: at };
}

function indexOfAny(text: string, from: number, chars: string): number {
  for (let i = from; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return -1;
}
