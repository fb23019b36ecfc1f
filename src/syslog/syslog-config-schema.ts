/**
 * The `syslog:` section: where pathmon receives device logs, and the bounds that keep a flood harmless.
 * Every bound has a default, so `syslog: { udp: 0.0.0.0:514 }` is a complete section; the defaults are
 * sized for a few hundred devices on one prober (a router logs a handful of lines a second in a storm;
 * the rate limit is per sending address, the queue is shared).
 */
import { z } from 'zod';

const LISTEN_TEXT = 'expected a listen address HOST:PORT, [IPV6]:PORT or PORT (e.g. 0.0.0.0:514, 127.0.0.1:5514)';
const listen = z
  .string({ error: LISTEN_TEXT })
  .regex(/^(?:\[[0-9A-Fa-f:.]+\]:|[A-Za-z0-9.-]*:)?\d{1,5}$/, LISTEN_TEXT)
  .refine((text) => Number(/(\d+)$/.exec(text)![1]) <= 65535, LISTEN_TEXT);

function wholeNumber(min: number, max: number, unit: string) {
  const text = `expected a whole number of ${unit} from ${min} to ${max}`;
  return z.number({ error: text }).int(text).min(min, text).max(max, text);
}

const file = z.string({ error: 'expected a file path' }).min(1, 'expected a file path');

export const defaultSyslogBounds = {
  /** RFC 5424 asks receivers to take at least 2048 octets; 8 KiB keeps long stack traces whole. */
  maxLineBytes: 8192,
  /** Per sending address: a steady rate and a burst above it, in lines. */
  linesPerSec: 1000,
  burstLines: 5000,
  /** Parsed events waiting for the store, across all senders: the receiver's memory bound. */
  maxQueuedEvents: 50_000,
  maxConnections: 1000,
  /** Events per INSERT: large enough that the server's per-statement cost is spread thin. */
  batchSize: 2000,
  /** A sender silent this long loses its rate-limit bucket (the bucket map stays bounded). */
  maxSenders: 10_000,
} as const;

export const syslogConfigSchema = z
  .strictObject(
    {
      /** UDP listen address, e.g. `0.0.0.0:514`. */
      udp: listen.optional(),
      /** TCP listen address (RFC 6587: octet-counting or newline framing, told apart per frame). */
      tcp: listen.optional(),
      /** TLS listen address and its certificate (RFC 5425 framing, which is octet-counting). */
      tls: z
        .strictObject(
          {
            listen,
            certFile: file,
            keyFile: file,
            /** CA bundle to verify client certificates; with it, a client without a valid one is refused. */
            caFile: file.optional(),
          },
          { error: 'expected a mapping { listen, certFile, keyFile, caFile? }' },
        )
        .optional(),
      maxLineBytes: wholeNumber(480, 1_048_576, 'bytes').optional(),
      rateLimit: z
        .strictObject(
          {
            linesPerSec: wholeNumber(1, 10_000_000, 'lines a second').optional(),
            burstLines: wholeNumber(1, 100_000_000, 'lines').optional(),
          },
          { error: 'expected a mapping { linesPerSec?, burstLines? }' },
        )
        .optional(),
      maxQueuedEvents: wholeNumber(100, 10_000_000, 'events').optional(),
      maxConnections: wholeNumber(1, 100_000, 'connections').optional(),
      batchSize: wholeNumber(1, 50_000, 'events').optional(),
      maxSenders: wholeNumber(1, 1_000_000, 'senders').optional(),
    },
    { error: 'expected a mapping { udp?, tcp?, tls?, maxLineBytes?, rateLimit?, maxQueuedEvents?, maxConnections?, batchSize?, maxSenders? }' },
  )
  .refine((section) => section.udp !== undefined || section.tcp !== undefined || section.tls !== undefined, {
    message: 'expected at least one of udp, tcp or tls: a syslog section with no listener receives nothing',
  });

export type SyslogConfig = z.output<typeof syslogConfigSchema>;

/** The section with every bound filled in: what the receiver runs with. */
export interface SyslogSettings {
  udp: string | null;
  tcp: string | null;
  tls: { listen: string; certFile: string; keyFile: string; caFile: string | null } | null;
  maxLineBytes: number;
  linesPerSec: number;
  burstLines: number;
  maxQueuedEvents: number;
  maxConnections: number;
  batchSize: number;
  maxSenders: number;
}

export function syslogSettings(config: SyslogConfig): SyslogSettings {
  const d = defaultSyslogBounds;
  return {
    udp: config.udp ?? null,
    tcp: config.tcp ?? null,
    tls: config.tls ? { ...config.tls, caFile: config.tls.caFile ?? null } : null,
    maxLineBytes: config.maxLineBytes ?? d.maxLineBytes,
    linesPerSec: config.rateLimit?.linesPerSec ?? d.linesPerSec,
    burstLines: config.rateLimit?.burstLines ?? Math.max(d.burstLines, config.rateLimit?.linesPerSec ?? 0),
    maxQueuedEvents: config.maxQueuedEvents ?? d.maxQueuedEvents,
    maxConnections: config.maxConnections ?? d.maxConnections,
    batchSize: config.batchSize ?? d.batchSize,
    maxSenders: config.maxSenders ?? d.maxSenders,
  };
}
