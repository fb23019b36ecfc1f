/**
 * Syslog over a byte stream (TCP, TLS) cut into lines, RFC 6587 §3.4. Senders use one of two framings
 * and some switch between them, so the framing is told apart per frame, as rsyslog does:
 * - octet-counting (§3.4.1, and RFC 5425 for TLS): `MSG-LEN SP MSG`, MSG-LEN a decimal without a
 *   leading zero; a frame that starts with a digit 1-9;
 * - non-transparent (§3.4.2): the line ends at LF (a CR before it, or a NUL trailer, is dropped later);
 *   any other frame.
 * A frame starting with digits that are not followed by a space within 10 digits is not octet-counted
 * (no syslog line is 10 GB) and is read as a newline frame instead.
 *
 * Memory stays bounded whatever arrives: at most maxLineBytes of a frame is kept. A longer frame is
 * delivered cut to that size with `truncated` set and the rest is skipped as it arrives. At the end of
 * the stream a partial frame is delivered too (never lost): an octet-counted one that stopped short is
 * `cutAtClose` (the sender meant more), a newline one is `unterminated` (the sender omitted the final LF).
 */

export interface Frame {
  bytes: Buffer;
  /** Longer than maxLineBytes: `bytes` is its beginning. */
  truncated: boolean;
  /** An octet-counted frame whose stream ended before MSG-LEN bytes arrived. */
  cutAtClose: boolean;
  /** A newline frame whose stream ended without the LF. */
  unterminated: boolean;
}

const SPACE = 0x20;
const LF = 0x0a;
const MAX_LENGTH_DIGITS = 10;

type State = { kind: 'start' } | { kind: 'length'; digits: number; value: number } | { kind: 'counted'; remaining: number; truncated: boolean } | { kind: 'line'; truncated: boolean };

export class FrameDecoder {
  private state: State = { kind: 'start' };
  /** Bytes of the frame being read, at most maxLineBytes (plus a length prefix being read). */
  private parts: Buffer[] = [];
  private kept = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Feeds the next chunk; returns the frames it completed, in order. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let at = 0;
    while (at < chunk.length) {
      const state = this.state;
      if (state.kind === 'start') {
        const byte = chunk[at]!;
        if (byte >= 0x31 && byte <= 0x39) this.state = { kind: 'length', digits: 0, value: 0 };
        // LF, CR or NUL between frames (an empty line, a CRLF or NUL trailer after a counted frame): nothing to deliver.
        else if (byte === LF || byte === 0x0d || byte === 0x00) at++;
        else this.state = { kind: 'line', truncated: false };
        continue;
      }
      if (state.kind === 'length') {
        const byte = chunk[at]!;
        if (byte >= 0x30 && byte <= 0x39 && state.digits < MAX_LENGTH_DIGITS) {
          state.digits++;
          state.value = state.value * 10 + (byte - 0x30);
          this.keep(chunk.subarray(at, at + 1));
          at++;
          continue;
        }
        if (byte === SPACE) {
          // The length prefix is framing, not message: forget it.
          this.parts = [];
          this.kept = 0;
          at++;
          this.state = { kind: 'counted', remaining: state.value, truncated: false };
          if (state.value === 0) this.state = { kind: 'start' };
          continue;
        }
        // Digits then something else: a newline frame that happens to start with digits (kept so far).
        this.state = { kind: 'line', truncated: false };
        continue;
      }
      if (state.kind === 'counted') {
        const take = Math.min(state.remaining, chunk.length - at);
        const room = this.maxLineBytes - this.kept;
        if (take > room) state.truncated = true;
        this.keep(chunk.subarray(at, at + Math.min(take, Math.max(0, room))));
        state.remaining -= take;
        at += take;
        if (state.remaining === 0) {
          frames.push(this.finish(state.truncated, false, false));
        }
        continue;
      }
      // A newline frame: up to the next LF.
      const lf = chunk.indexOf(LF, at);
      const end = lf < 0 ? chunk.length : lf;
      const room = this.maxLineBytes - this.kept;
      if (end - at > room) state.truncated = true;
      this.keep(chunk.subarray(at, at + Math.min(end - at, Math.max(0, room))));
      at = end;
      if (lf >= 0) {
        at++;
        frames.push(this.finish(state.truncated, false, false));
      }
    }
    return frames;
  }

  /** The stream ended: the partial frame, if any, flagged for how it was cut. */
  end(): Frame | null {
    const state = this.state;
    if (state.kind === 'start') return null;
    if (state.kind === 'counted') return this.finish(state.truncated, true, false);
    if (state.kind === 'length' && this.kept === 0) return null;
    return this.finish(state.kind === 'line' && state.truncated, false, true);
  }

  /** Bytes held for the frame in progress (for memory accounting). */
  get bufferedBytes(): number {
    return this.kept;
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.kept += bytes.length;
  }

  private finish(truncated: boolean, cutAtClose: boolean, unterminated: boolean): Frame {
    // Copied: the chunk the parts point into is the socket's, and one kept slice would pin all of it.
    const bytes = Buffer.from(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.kept));
    this.parts = [];
    this.kept = 0;
    this.state = { kind: 'start' };
    return { bytes, truncated, cutAtClose, unterminated };
  }
}
