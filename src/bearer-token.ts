import { MalformedRequestError } from './errors.js';

const MALFORMED_TOKEN = /[\s,]/;

/**
 * Reads a bearer token from an `Authorization` header value (RFC 6750 s2.1):
 * the scheme `Bearer` (any case), one or more spaces, then one token with no
 * whitespace or commas. Another scheme (`Basic ...`) or no header yields
 * `undefined`: there is no bearer token.
 *
 * @throws {MalformedRequestError} (400) when the `Bearer` scheme is used but
 *   what follows is not one token: nothing, a tab instead of a space, or
 *   spaces or commas inside (two `Authorization` lines joined with `", "`).
 * @example
 * bearerToken('Bearer eyJhbGciOi...') // 'eyJhbGciOi...'
 * bearerToken('Basic dXNlcjpwYXNz')   // undefined
 * bearerToken('Bearer a, Bearer b')   // throws MalformedRequestError
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 6) return undefined;
  if (authorization.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  const rest = authorization.slice(6);
  // 'Bearerish ...' is another scheme; only 'Bearer' then a space is this one.
  if (rest !== '' && !MALFORMED_TOKEN.test(rest[0]!)) return undefined;
  const token = rest.trim();
  if (rest[0] !== ' ' || token.length === 0 || MALFORMED_TOKEN.test(token)) {
    throw new MalformedRequestError('The Authorization header uses the Bearer scheme but does not carry exactly one token');
  }
  return token;
}

/**
 * Reads one cookie's value from a `Cookie` header, without decoding beyond
 * stripping optional quotes (JWTs need no percent-decoding).
 *
 * @example
 * cookieValue('theme=dark; magic=eyJ...', 'magic') // 'eyJ...'
 */
export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value.length > 0 ? value : undefined;
  }
  return undefined;
}
