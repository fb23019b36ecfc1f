/**
 * The general header reader, for every line the fast one (fast-header.ts) does not recognise.
 *
 * The header is read by nsyslog-parser rather than glossy or a parser of our own: it takes both RFCs
 * and the many lines that follow neither exactly (Cisco's `<189>123: *Mar  1 ...: %LINEPROTO-...`, an
 * ISO time without a version), never throws on garbage (it returns `{err}`) and has no dependencies;
 * glossy's RFC 3164 matcher rejects those Cisco lines and has not been released since 2016. Three
 * things it gets wrong are put right here:
 * - its structured-data reader splits values on spaces and quotes, so a value holding `\"` or `]`
 *   (RFC 5424 §6.3.3 escapes) loses its element: SD is re-read from the header's end by sdElements;
 * - an RFC 5424 NILVALUE `-` comes back as a host or program named "-";
 * - an RFC 3164 time has no year (see rfc3164DeviceTime).
 */
import parseSyslog from 'nsyslog-parser';
import { type LineHeader, rfc3164DeviceTime, setOwn } from './line-header.js';
import type { SyslogEvent } from './syslog-event.js';

/** The header of `text` (whose PRI is valid), or null when nsyslog cannot read it: the line is then unparsed. */
export function nsyslogHeader(text: string, receivedAtMs: number): LineHeader | null {
  const entry = parseSyslog(text, { cef: false, leef: false, fields: false, pid: true, generateTimestamp: false });
  if (entry.err !== undefined || entry.type === undefined) return null;

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
  const ms = entry.ts?.getTime();
  let deviceTimeMs: number | null = null;
  if (ms !== undefined && Number.isFinite(ms)) deviceTimeMs = entry.type === 'BSD' ? rfc3164DeviceTime(ms, receivedAtMs) : ms;
  return { deviceTimeMs, host, program, message, structuredData, messageId };
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
    const params: Record<string, string> = Object.hasOwn(elements, id) ? elements[id]! : {};
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
      setOwn(params, name, value);
      at = i + 1;
    }
    if (text[at] !== ']') return null;
    setOwn(elements, id, params);
    at++;
  }
  return { elements, end: at };
}

function indexOfAny(text: string, from: number, chars: string): number {
  for (let i = from; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return -1;
}
