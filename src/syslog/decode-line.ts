/**
 * Bytes of one received line to text. Devices send Latin-1 interface descriptions, binary garbage and
 * cut multi-byte characters at a truncation point; none of that may cost the line. Invalid UTF-8 is
 * decoded with U+FFFD in place of each bad sequence and flagged, so the event is kept and the sender
 * can be told its encoding is wrong.
 */
import { isUtf8 } from 'node:buffer';

export interface DecodedLine {
  text: string;
  invalidUtf8: boolean;
}

/**
 * `cutAtLimit`: the bytes are the first part of a longer line, so a multi-byte character cut at the end
 * is the truncation's doing, not the sender's: it is dropped rather than flagged.
 */
export function decodeLine(bytes: Buffer, cutAtLimit = false): DecodedLine {
  let body = bytes;
  if (cutAtLimit) body = bytes.subarray(0, completeUtf8Length(bytes));
  // Trailing CR (CRLF senders) and NUL (some Cisco TCP senders end frames with it) are framing, not text.
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0d || body[end - 1] === 0x00)) end--;
  body = body.subarray(0, end);
  if (isUtf8(body)) return { text: body.toString('utf8'), invalidUtf8: false };
  return { text: body.toString('utf8'), invalidUtf8: true };
}

/** Length of `bytes` without a UTF-8 sequence left incomplete at its end. */
function completeUtf8Length(bytes: Buffer): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const byte = bytes[n - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}
