/**
 * ExaBGP's output as a stream: chunks in, topology events out, with the counters an operator needs to
 * see what the feed lost (lines, events, skipped lines by reason, ignored fields by name, the last few
 * skipped excerpts). It holds no socket and no timer; the application feeds it whatever its pipe
 * delivers, so it is tested with plain strings. A line that never ends is cut off at `maxLineChars`
 * rather than buffered without bound, because the producer is a process known to misbehave.
 */
import type { TopologyEvent } from '../model.js';
import { parseExabgpLine } from './exabgp-json.js';
import { fieldName } from './exabgp-nlri.js';

/** One line the parser could not use. */
export interface ExabgpSkippedLine {
  /** 1-based number of the line in the stream, blank lines included. */
  line: number;
  reason: string;
  /** The first 200 characters of the line. */
  excerpt: string;
}

export interface ExabgpStreamCounters {
  /** Lines seen, blank ones included. */
  lines: number;
  events: number;
  skipped: number;
  skippedByReason: Record<string, number>;
  ignoredByField: Record<string, number>;
  warnings: number;
  /** The most recent skipped lines, oldest first, at most `keepSkipped`. */
  lastSkipped: ExabgpSkippedLine[];
  /** The most recent warnings, oldest first, at most `keepSkipped`. */
  lastWarnings: string[];
}

export interface ExabgpStreamOptions {
  /** How many recent skipped lines and warnings to keep. Default 20. */
  keepSkipped?: number;
  /** Longest line accepted; longer ones are skipped as `line too long`. Default 1,000,000. */
  maxLineChars?: number;
  /** Called for every skipped line, e.g. to log it. */
  onSkipped?: (skipped: ExabgpSkippedLine) => void;
  /** Called for every warning a line produced. */
  onWarning?: (warning: string, line: number) => void;
}

// Field names come from the feed; past this many distinct names the rest are lumped together.
const MAX_COUNTER_KEYS = 200;
const OTHER_KEY = '(other)';

function bump(counter: Map<string, number>, key: string): void {
  const k = counter.has(key) || counter.size < MAX_COUNTER_KEYS ? key : OTHER_KEY;
  counter.set(k, (counter.get(k) ?? 0) + 1);
}

/** Splits ExaBGP output into lines, parses each, and counts what was skipped or ignored. Never throws on input. */
export class ExabgpStreamParser {
  private buffer = '';
  private discarding = false;
  private lineNumber = 0;
  private events = 0;
  private warnings = 0;
  private readonly skippedByReason = new Map<string, number>();
  private readonly ignoredByField = new Map<string, number>();
  private readonly lastSkipped: ExabgpSkippedLine[] = [];
  private readonly lastWarnings: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');
  private readonly keep: number;
  private readonly maxLineChars: number;

  constructor(private readonly options: ExabgpStreamOptions = {}) {
    this.keep = Math.max(0, options.keepSkipped ?? 20);
    this.maxLineChars = Math.max(1, options.maxLineChars ?? 1_000_000);
  }

  /** Feeds a chunk (text, or bytes decoded as UTF-8 across chunk boundaries); returns the events of the lines it completed. */
  push(chunk: string | Uint8Array): TopologyEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const out: TopologyEvent[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.discarding = false;
        this.buffer = '';
        continue;
      }
      const line = this.buffer + piece;
      this.buffer = '';
      out.push(...this.line(line));
    }
    if (!this.discarding) {
      this.buffer += text.slice(start);
      if (this.buffer.length > this.maxLineChars) {
        // Count it now, under the number of the line being cut, then drop input up to the next newline.
        this.lineNumber++;
        this.skip({ line: this.lineNumber, reason: 'line too long', excerpt: this.buffer.slice(0, 200) });
        this.buffer = '';
        this.discarding = true;
      }
    }
    return out;
  }

  /** Flushes a final line that had no newline. */
  end(): TopologyEvent[] {
    const rest = this.buffer + this.decoder.decode();
    this.buffer = '';
    if (this.discarding) {
      this.discarding = false;
      return [];
    }
    return rest === '' ? [] : this.line(rest);
  }

  /** Parses one complete line (no newline), counting it; returns its events. */
  line(line: string): TopologyEvent[] {
    this.lineNumber++;
    if (line.length > this.maxLineChars) {
      this.skip({ line: this.lineNumber, reason: 'line too long', excerpt: line.slice(0, 200) });
      return [];
    }
    if (line.trim() === '') return [];
    const result = parseExabgpLine(line);
    if (!result.ok) {
      this.skip({ line: this.lineNumber, reason: result.reason, excerpt: result.excerpt });
      return [];
    }
    this.events += result.events.length;
    for (const field of result.ignored) bump(this.ignoredByField, fieldName(field));
    for (const warning of result.warnings) {
      this.warnings++;
      this.remember(this.lastWarnings, warning);
      this.options.onWarning?.(warning, this.lineNumber);
    }
    return result.events;
  }

  /** A snapshot of the counters; later input does not change it. */
  counters(): ExabgpStreamCounters {
    let skipped = 0;
    for (const n of this.skippedByReason.values()) skipped += n;
    return {
      lines: this.lineNumber,
      events: this.events,
      skipped,
      skippedByReason: Object.fromEntries(this.skippedByReason),
      ignoredByField: Object.fromEntries(this.ignoredByField),
      warnings: this.warnings,
      lastSkipped: this.lastSkipped.map((s) => ({ ...s })),
      lastWarnings: [...this.lastWarnings],
    };
  }

  private skip(skipped: ExabgpSkippedLine): void {
    bump(this.skippedByReason, skipped.reason);
    this.remember(this.lastSkipped, skipped);
    this.options.onSkipped?.(skipped);
  }

  private remember<T>(list: T[], item: T): void {
    if (this.keep === 0) return;
    list.push(item);
    if (list.length > this.keep) list.shift();
  }
}
