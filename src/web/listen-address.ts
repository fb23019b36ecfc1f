/**
 * `--listen` parsing and the loopback test that decides whether a bearer token is mandatory. The rule is
 * deliberately simple: only 127.0.0.0/8, ::1 and `localhost` count as local; anything else (0.0.0.0,
 * ::, a LAN address, a hostname) exposes path data to the network and must be protected by a token.
 */
import { isIP } from 'node:net';
import { WebError } from './web-error.js';

export const DEFAULT_LISTEN = '127.0.0.1:9470';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Accepts `HOST:PORT`, `[V6]:PORT`, `:PORT` and `PORT` (the last two bind 127.0.0.1). */
export function parseListen(spec: string): ListenAddress {
  const text = spec.trim();
  let host: string;
  let portText: string;
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
  } else if (/^\d+$/.test(text)) {
    host = '127.0.0.1';
    portText = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0 || text.indexOf(':') !== colon) throw badListen(spec);
    host = text.slice(0, colon) || '127.0.0.1';
    portText = text.slice(colon + 1);
  }
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw badListen(spec);
  if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host)) throw badListen(spec);
  return { host, port };
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** `http://HOST:PORT` with IPv6 hosts bracketed. */
export function urlOf(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function badListen(spec: string): WebError {
  return new WebError('bad-listen', `web.parseListen: "${spec}" is not a listen address; expected HOST:PORT, [IPV6]:PORT or PORT (e.g. 127.0.0.1:9470, 0.0.0.0:9470)`);
}
