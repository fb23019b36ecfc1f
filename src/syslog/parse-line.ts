/**
 * One decoded line to the fields of a SyslogEvent: PRI, time, host, program, code, message and
 * structured data, RFC 5424 or RFC 3164.
 *
 * The header is read by fast-header.ts when the line has one of the common well-formed shapes, else by
 * nsyslog-header.ts, which takes everything else; both give the same fields for the lines the fast one
 * accepts (the unit tests hold them to it), the fast one at several times the speed.
 * A line without a valid PRI is not syslog: it is kept as an unparsed event (parsed: false), and so is
 * one whose header the general reader cannot read.
 */
import { codeAndFacts } from './error-codes.js';
import { fastHeader } from './fast-header.js';
import type { LineHeader } from './line-header.js';
import { nsyslogHeader } from './nsyslog-header.js';
import type { SyslogEvent } from './syslog-event.js';

export type ParsedFields = Pick<SyslogEvent, 'deviceTimeMs' | 'host' | 'facility' | 'severity' | 'program' | 'errorCode' | 'message' | 'structuredData' | 'parsed' | 'facts'>;

const CODE_AS_TAG = /^%?[A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*-[0-7]-[A-Z][A-Z0-9_]*$/;

/** `text`: the decoded line; `sourceAddress`: the sender, the host when the line names none. */
export function parseLine(text: string, sourceAddress: string, receivedAtMs: number): ParsedFields {
  const priEnd = priEndOf(text);
  if (priEnd < 0) return unparsed(text, sourceAddress);
  return fields(text, priEnd, fastHeader(text, priEnd, receivedAtMs) ?? nsyslogHeader(text, receivedAtMs), sourceAddress);
}

/** parseLine with the general reader only: the reference the fast reader is tested against. */
export function parseLineWithoutFastPath(text: string, sourceAddress: string, receivedAtMs: number): ParsedFields {
  const priEnd = priEndOf(text);
  if (priEnd < 0) return unparsed(text, sourceAddress);
  return fields(text, priEnd, nsyslogHeader(text, receivedAtMs), sourceAddress);
}

/**
 * The index after a valid PRI's `>`, or -1. RFC 5424 §6.2.1: `<` 1-3 digits `>`, no leading zero,
 * PRIVAL at most 191.
 */
function priEndOf(text: string): number {
  if (text.charCodeAt(0) !== 0x3c) return -1;
  let value = 0;
  let at = 1;
  for (; at <= 3; at++) {
    const c = text.charCodeAt(at);
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
  }
  if (at === 1 || text.charCodeAt(at) !== 0x3e) return -1;
  if (value > 191 || (at > 2 && text.charCodeAt(1) === 0x30)) return -1;
  return at + 1;
}

function fields(text: string, priEnd: number, header: LineHeader | null, sourceAddress: string): ParsedFields {
  if (header === null) return unparsed(text, sourceAddress);
  const prival = priValue(text, priEnd);
  const { program, message } = header;
  // A header-less Cisco line (`HOST %FAC-SEV-MNEMONIC: text`) leaves the code where RFC 3164 has its TAG.
  const codeInTag = program !== null && CODE_AS_TAG.test(program);
  const { errorCode, facts } = codeAndFacts(codeInTag ? `${program}: ${message}` : message, header.messageId);
  return {
    deviceTimeMs: header.deviceTimeMs,
    host: header.host ?? sourceAddress,
    facility: prival >> 3,
    severity: prival & 7,
    program,
    errorCode,
    message,
    structuredData: header.structuredData,
    parsed: true,
    facts,
  };
}

function priValue(text: string, priEnd: number): number {
  let value = 0;
  for (let at = 1; at < priEnd - 1; at++) value = value * 10 + (text.charCodeAt(at) - 0x30);
  return value;
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
