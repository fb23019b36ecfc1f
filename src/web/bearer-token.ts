/**
 * Bearer-token checking for the API and /metrics. Both sides are hashed to a fixed length before
 * timingSafeEqual, so neither the comparison time nor a length mismatch tells an attacker anything about
 * the token. The token itself is never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { WebError } from './web-error.js';

export const MIN_TOKEN_CHARS = 16;

export function checkedToken(token: string): string {
  if (token.length < MIN_TOKEN_CHARS || /\s/.test(token)) {
    throw new WebError(
      'weak-token',
      `web.startWebServer: the bearer token has ${token.length} characters${/\s/.test(token) ? ' and contains whitespace' : ''}; expected at least ${MIN_TOKEN_CHARS} characters without whitespace (e.g. \`openssl rand -hex 24\`)`,
    );
  }
  return token;
}

/** A matcher for `Authorization` header values; true only for `Bearer <token>` with the exact token. */
export function bearerMatcher(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    // Hash something even when the header is absent, so the answer takes the same time either way.
    const given = digest(match ? match[1]! : '');
    return timingSafeEqual(given, expected) && match !== null;
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
