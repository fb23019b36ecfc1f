/**
 * Writing answers: JSON (gzip when the client accepts it and the body is big enough to matter, which the
 * 10,000-row table is), JSON errors shaped `{ error: { code, parameter?, message } }`, and the security
 * headers every answer carries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const GZIP_MIN_BYTES = 4096;

export const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
} as const;

export async function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): Promise<void> {
  const text = Buffer.from(JSON.stringify(body), 'utf8');
  const headers: Record<string, string | number> = {
    ...securityHeaders,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    vary: 'accept-encoding',
    ...extraHeaders,
  };
  let payload = text;
  if (text.length >= GZIP_MIN_BYTES && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    payload = await gzipAsync(text, { level: 4 });
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = payload.length;
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

export function sendError(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string, parameter?: string, extraHeaders: Record<string, string> = {}): Promise<void> {
  return sendJson(req, res, status, { error: { code, ...(parameter ? { parameter } : {}), message } }, extraHeaders);
}
