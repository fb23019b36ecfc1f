/**
 * The header reader for the shapes that make up nearly all of a network's syslog, in one pass over the
 * line's characters with no splitting, no regular expression per field and no intermediate objects:
 * - RFC 5424 `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]`, single spaces, SD `-` or elements;
 * - RFC 3164 `<PRI>Mmm dd hh:mm:ss HOST TAG: MSG` (TAG with or without `[pid]`; a Cisco NX-OS
 *   `%FAC-SEV-MNEMONIC` in the TAG's place is such a TAG);
 * - no header, the line opening with a word ending in `:` (Cisco's `<PRI>seq: *Mmm dd ...: %FAC-...`
 *   and `<PRI>%FAC-SEV-MNEMONIC: ...`).
 * It must give exactly what nsyslog-header.ts gives for the same line, which is the reference: the
 * rules here restate nsyslog-parser's (fields split on spaces, a header word being only the characters
 * of FIELD_CHARS, a host chain `a/b` naming `b`, the message trimmed) for these shapes only. Anything
 * else, or anything unsure (two spaces in an RFC 5424 header, a time of another form, a host with `:`),
 * returns null and goes to the general reader: being wrong costs a differing event, being unsure costs
 * only speed. test/unit/syslog/fast-header.test.ts holds the two readers to agreement.
 */
import { type LineHeader, rfc3164DeviceTime, setOwn } from './line-header.js';
import type { SyslogEvent } from './syslog-event.js';

const SPACE = 0x20;
const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DASH = 0x2d;

/** Characters nsyslog-parser accepts in a header word (its `invalid` pattern, negated). */
const FIELD_CHARS = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.$-_#%/[]()') FIELD_CHARS[c.charCodeAt(0)] = 1;

const MONTHS = new Map(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((name, index) => [name, index]));

/** An RFC 5424 TIMESTAMP as nsyslog dates it (its `ts` pattern), printable ASCII so no trimming can change it. */
const RFC5424_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[\x21-\x7e]+$/;

/** `priEnd`: the index after the PRI's `>`. Null: not one of the shapes read here. */
export function fastHeader(text: string, priEnd: number, receivedAtMs: number): LineHeader | null {
  const first = text.charCodeAt(priEnd);
  if (first === 0x31 && text.charCodeAt(priEnd + 1) === SPACE) return rfc5424(text, priEnd + 2);
  if ((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a)) {
    const header = rfc3164(text, priEnd, receivedAtMs);
    if (header !== undefined) return header;
  }
  return headerless(text, priEnd);
}

/** End of the header word at `from` (the next space, or the end), or -1 when a character is not in FIELD_CHARS. */
function fieldEnd(text: string, from: number): number {
  const length = text.length;
  let i = from;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === SPACE) break;
    if (c >= 128 || FIELD_CHARS[c] === 0) return -1;
  }
  return i;
}

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (text.charCodeAt(i) === SPACE) i++;
  return i;
}

/** nsyslog's host: the last part of a relay chain `a/b`. */
function hostOf(word: string): string | null {
  const host = word.slice(word.lastIndexOf('/') + 1);
  return host === '' ? null : host;
}

/** nsyslog's program: the TAG without a trailing `[pid]`. `nilDash`: RFC 5424, where `-` is NILVALUE. */
function programOf(word: string, nilDash: boolean): string | null {
  let program = word;
  if (program.endsWith(']')) {
    const open = program.indexOf('[');
    if (open >= 0) program = program.slice(0, open);
  }
  return program === '' || (nilDash && program === '-') ? null : program;
}

/** The message after a TAG word ending at `colonAt`, trimmed as nsyslog trims it. */
function messageAfter(text: string, colonAt: number): string {
  return colonAt + 1 >= text.length ? '' : text.slice(colonAt + 2).trim();
}

function rfc5424(text: string, start: number): LineHeader | null {
  const timeEnd = text.indexOf(' ', start);
  if (timeEnd <= start) return null;
  const time = text.slice(start, timeEnd);
  let deviceTimeMs: number | null = null;
  if (RFC5424_TIME.test(time)) {
    const ms = Date.parse(time);
    deviceTimeMs = Number.isFinite(ms) ? ms : null;
  } else if (time !== '-') return null;
  // HOST APP PROCID MSGID: header words, each followed by exactly one space.
  const hostStart = timeEnd + 1;
  const hostEnd = fieldEnd(text, hostStart);
  if (hostEnd <= hostStart || text.charCodeAt(hostEnd) !== SPACE) return null;
  const appStart = hostEnd + 1;
  const appEnd = fieldEnd(text, appStart);
  if (appEnd <= appStart || text.charCodeAt(appEnd) !== SPACE) return null;
  const pidEnd = fieldEnd(text, appEnd + 1);
  if (pidEnd <= appEnd + 1 || text.charCodeAt(pidEnd) !== SPACE) return null;
  const msgIdStart = pidEnd + 1;
  const msgIdEnd = fieldEnd(text, msgIdStart);
  if (msgIdEnd <= msgIdStart || text.charCodeAt(msgIdEnd) !== SPACE) return null;
  const sd = structuredData(text, msgIdEnd + 1);
  if (sd === null) return null;
  let message = text.charCodeAt(sd.end) === SPACE ? text.slice(sd.end + 1) : text.slice(sd.end);
  if (message.charCodeAt(0) === 0xfeff) message = message.slice(1); // §6.4: a BOM marks UTF-8 MSG
  const host = hostOf(text.slice(hostStart, hostEnd));
  const messageId = text.slice(msgIdStart, msgIdEnd);
  return {
    deviceTimeMs,
    host: host === '-' ? null : host,
    program: programOf(text.slice(appStart, appEnd), true),
    message,
    structuredData: sd.elements,
    messageId: messageId === '-' ? null : messageId,
  };
}

/** §6.3: `-` or one or more `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]`, with `\"`, `\\` and `\]` escaped in values. */
function structuredData(text: string, start: number): { elements: SyslogEvent['structuredData']; end: number } | null {
  if (text.charCodeAt(start) === DASH) return { elements: {}, end: start + 1 };
  if (text.charCodeAt(start) !== OPEN_BRACKET) return null;
  const elements: SyslogEvent['structuredData'] = {};
  const length = text.length;
  let at = start;
  while (text.charCodeAt(at) === OPEN_BRACKET) {
    let idEnd = at + 1;
    for (; idEnd < length; idEnd++) {
      const c = text.charCodeAt(idEnd);
      if (c === SPACE || c === CLOSE_BRACKET) break;
    }
    if (idEnd >= length) return null;
    const id = text.slice(at + 1, idEnd);
    const params: Record<string, string> = Object.hasOwn(elements, id) ? elements[id]! : {};
    at = idEnd;
    while (text.charCodeAt(at) === SPACE) {
      const eq = text.indexOf('="', at + 1);
      if (eq < 0) return null;
      const name = text.slice(at + 1, eq);
      let value = '';
      let i = eq + 2;
      let from = i;
      for (; i < length; i++) {
        const c = text.charCodeAt(i);
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          const next = text.charCodeAt(i + 1);
          if (next === QUOTE || next === BACKSLASH || next === CLOSE_BRACKET) {
            value += text.slice(from, i);
            i++;
            from = i;
          }
        }
      }
      if (i >= length) return null;
      value += text.slice(from, i);
      setOwn(params, name, value);
      at = i + 1;
    }
    if (text.charCodeAt(at) !== CLOSE_BRACKET) return null;
    setOwn(elements, id, params);
    at++;
  }
  return { elements, end: at };
}

/**
 * `Mmm dd hh:mm:ss HOST TAG: MSG`. Undefined: the line does not open with a month name, so it may be
 * a header-less line; null: it does, but not in this shape.
 */
function rfc3164(text: string, start: number, receivedAtMs: number): LineHeader | null | undefined {
  const month = MONTHS.get(text.slice(start, start + 3));
  if (month === undefined || text.charCodeAt(start + 3) !== SPACE) return undefined;
  let at = skipSpaces(text, start + 4);
  let day = 0;
  const dayStart = at;
  for (; at < dayStart + 2 && isDigit(text.charCodeAt(at)); at++) day = day * 10 + text.charCodeAt(at) - 0x30;
  if (at === dayStart || day < 1 || day > 31 || text.charCodeAt(at) !== SPACE) return null;
  at = skipSpaces(text, at);
  const hours = twoDigits(text, at);
  const minutes = twoDigits(text, at + 3);
  const seconds = twoDigits(text, at + 6);
  if (text.charCodeAt(at + 2) !== COLON || text.charCodeAt(at + 5) !== COLON || text.charCodeAt(at + 8) !== SPACE) return null;
  if (hours > 23 || minutes > 59 || seconds > 59) return null; // 99 from twoDigits: not two digits
  const hostStart = skipSpaces(text, at + 9);
  const hostEnd = fieldEnd(text, hostStart);
  if (hostEnd <= hostStart || text.charCodeAt(hostEnd) !== SPACE) return null;
  const tagStart = skipSpaces(text, hostEnd);
  if (!endsWordWithColon(text, tagStart)) return null;
  const colonAt = wordColon(text, tagStart);
  if (colonAt <= tagStart) return null;
  const ms = new Date(wallClockYear(), month, day, hours, minutes, seconds).getTime();
  return {
    deviceTimeMs: rfc3164DeviceTime(ms, receivedAtMs),
    host: hostOf(text.slice(hostStart, hostEnd)),
    program: programOf(text.slice(tagStart, colonAt), false),
    message: messageAfter(text, colonAt),
    structuredData: {},
    messageId: null,
  };
}

/** `WORD: MSG` with no header: the message is what follows the word. */
function headerless(text: string, start: number): LineHeader | null {
  if (!endsWordWithColon(text, start)) return null;
  const colonAt = wordColon(text, start);
  if (colonAt <= start) return null;
  return { deviceTimeMs: null, host: null, program: null, message: messageAfter(text, colonAt), structuredData: {}, messageId: null };
}

/** Index of the first character at or after `from` that is not in FIELD_CHARS. */
function wordColon(text: string, from: number): number {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || FIELD_CHARS[c] === 0) break;
  }
  return i;
}

/** The word at `from` is header characters then one colon, then a space or the end. */
function endsWordWithColon(text: string, from: number): boolean {
  const colonAt = wordColon(text, from);
  if (text.charCodeAt(colonAt) !== COLON) return false;
  return colonAt + 1 === text.length || text.charCodeAt(colonAt + 1) === SPACE;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The two-digit number at `at`, or 99 (out of every range) when it is not one. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at);
  const b = text.charCodeAt(at + 1);
  return isDigit(a) && isDigit(b) ? (a - 0x30) * 10 + (b - 0x30) : 99;
}

let yearFromMs = 0;
let yearUntilMs = 0;
let year = 0;

/** The wall clock's year, as nsyslog dates an RFC 3164 time; rfc3164DeviceTime then moves it to the year of reception. */
function wallClockYear(): number {
  const now = Date.now();
  if (now < yearFromMs || now >= yearUntilMs) {
    year = new Date(now).getFullYear();
    yearFromMs = new Date(year, 0, 1).getTime();
    yearUntilMs = new Date(year + 1, 0, 1).getTime();
  }
  return year;
}
