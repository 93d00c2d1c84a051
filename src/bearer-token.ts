/**
 * Reads a bearer token from an `Authorization` header value (RFC 6750 s2.1).
 * The scheme is case-insensitive; exactly one token of base64url/JWT
 * characters must follow it. Anything else yields `undefined` (no token).
 *
 * @example
 * bearerToken('Bearer eyJhbGciOi...') // 'eyJhbGciOi...'
 * bearerToken('Basic dXNlcjpwYXNz')   // undefined
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 8) return undefined;
  if (authorization.charCodeAt(6) !== 32 || authorization.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  const token = authorization.slice(7).trim();
  return token.length > 0 && !/[\s,]/.test(token) ? token : undefined;
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
