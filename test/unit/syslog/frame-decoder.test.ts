import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, type Frame } from '../../../src/syslog/frame-decoder.js';

const text = (frames: Frame[]) => frames.map((f) => f.bytes.toString('latin1'));
const b = (s: string) => Buffer.from(s, 'latin1');

/** Feeds `input` split at every given offset; returns every frame and the close frame. */
function feed(input: string, cuts: number[], max = 1024): { frames: Frame[]; last: Frame | null } {
  const decoder = new FrameDecoder(max);
  const frames: Frame[] = [];
  let at = 0;
  for (const cut of [...cuts, input.length]) {
    frames.push(...decoder.push(b(input.slice(at, cut))));
    at = cut;
  }
  return { frames, last: decoder.end() };
}

describe('syslog TCP framing (RFC 6587)', () => {
  const one = '<13>1 2024-01-01T00:00:00Z h app - - - hello world';
  const counted = `${one.length} ${one}`;

  it('reads octet-counted frames, however the stream is cut into chunks', () => {
    const stream = `${counted}${counted}`;
    for (let cut = 1; cut < stream.length; cut++) {
      const { frames, last } = feed(stream, [cut]);
      assert.deepEqual(text(frames), [one, one], `cut at ${cut}`);
      assert.equal(last, null);
    }
    // One byte at a time.
    const { frames } = feed(stream, [...Array(stream.length).keys()].slice(1));
    assert.deepEqual(text(frames), [one, one]);
  });

  it('keeps a newline inside an octet-counted frame as message text', () => {
    const msg = '<13>multi\nline';
    assert.deepEqual(text(feed(`${msg.length} ${msg}`, []).frames), [msg]);
  });

  it('reads newline-framed lines and tells the framing apart per frame (mixed stream)', () => {
    const stream = `<34>Oct 11 22:14:15 m su: one\n${counted}<34>Oct 11 22:14:16 m su: two\r\n\n${counted}`;
    const { frames, last } = feed(stream, [5, 40, 41]);
    assert.deepEqual(text(frames), ['<34>Oct 11 22:14:15 m su: one', one, '<34>Oct 11 22:14:16 m su: two\r', one]);
    assert.equal(last, null);
  });

  it('reads a line that starts with digits but no length as a newline frame', () => {
    const { frames } = feed('123: *Mar  1 18:46:11: %LINK-3-UPDOWN: x\n', [2]);
    assert.deepEqual(text(frames), ['123: *Mar  1 18:46:11: %LINK-3-UPDOWN: x']);
  });

  it('cuts an oversized newline frame to maxLineBytes, flags it and resynchronises at the next LF', () => {
    const long = `<13>${'x'.repeat(300)}`;
    const { frames } = feed(`${long}\n<13>next\n`, [50, 200], 100);
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.bytes.length, 100);
    assert.equal(frames[0]!.truncated, true);
    assert.equal(frames[0]!.bytes.toString('latin1'), long.slice(0, 100));
    assert.deepEqual(text(frames.slice(1)), ['<13>next']);
    assert.equal(frames[1]!.truncated, false);
  });

  it('cuts an oversized octet-counted frame and skips the rest of it by its count', () => {
    const long = `<13>${'y'.repeat(500)}`;
    const { frames } = feed(`${long.length} ${long}${counted}`, [10, 300], 64);
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.truncated, true);
    assert.equal(frames[0]!.bytes.toString('latin1'), long.slice(0, 64));
    assert.deepEqual(text(frames.slice(1)), [one]);
  });

  it('delivers an octet-counted frame cut by the end of the stream, flagged cutAtClose', () => {
    const { frames, last } = feed(`${counted}${counted.slice(0, 20)}`, [7]);
    assert.deepEqual(text(frames), [one]);
    assert.ok(last);
    assert.equal(last.cutAtClose, true);
    assert.equal(last.bytes.toString('latin1'), counted.slice(counted.indexOf(' ') + 1, 20));
  });

  it('delivers a last newline frame without LF, flagged unterminated', () => {
    const { frames, last } = feed('<13>a\n<13>b', []);
    assert.deepEqual(text(frames), ['<13>a']);
    assert.equal(last?.unterminated, true);
    assert.equal(last?.bytes.toString(), '<13>b');
  });

  it('holds no more than maxLineBytes for a frame that never ends', () => {
    const decoder = new FrameDecoder(256);
    for (let i = 0; i < 1000; i++) assert.deepEqual(decoder.push(Buffer.alloc(4096, 0x61)), []);
    assert.ok(decoder.bufferedBytes <= 256);
  });
});
