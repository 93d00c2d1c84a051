// The JWT shapes jwt-once's public types use. They match `@types/jsonwebtoken`
// member for member (values typed with either are assignable to the other), so
// the published .d.ts need not import jsonwebtoken's types and an install does
// not pull in @types/jsonwebtoken.

/**
 * A JWS algorithm name, as `jsonwebtoken` spells it. `'none'` is part of the
 * type only so values typed with jsonwebtoken's `Algorithm` are accepted;
 * jwt-once refuses it at creation with a `ConfigError`.
 *
 * @example
 * import type { Algorithm } from 'jwt-once';
 * const algorithms: Algorithm[] = ['ES256'];
 */
export type Algorithm =
  'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512' | 'none';

/**
 * A decoded JOSE header (RFC 7515 s4), as `jsonwebtoken` returns it.
 *
 * @example
 * import type { JwtHeader } from 'jwt-once';
 * const kidOf = (header: JwtHeader) => header.kid;
 */
export interface JwtHeader {
  alg: string | Algorithm;
  typ?: string | undefined;
  cty?: string | undefined;
  crit?: Array<string | Exclude<keyof JwtHeader, 'crit'>> | undefined;
  kid?: string | undefined;
  jku?: string | undefined;
  x5u?: string | string[] | undefined;
  'x5t#S256'?: string | undefined;
  x5t?: string | undefined;
  x5c?: string | string[] | undefined;
}

/**
 * A verified JWT payload: the registered claims (RFC 7519 s4.1) and any others.
 *
 * @example
 * import type { JwtPayload } from 'jwt-once';
 * const userOf = (payload: JwtPayload) => payload.sub;
 */
export interface JwtPayload {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as in @types/jsonwebtoken (test/package/jwt-types.test.ts)
  [key: string]: any;
  iss?: string | undefined;
  sub?: string | undefined;
  aud?: string | string[] | undefined;
  exp?: number | undefined;
  nbf?: number | undefined;
  iat?: number | undefined;
  jti?: string | undefined;
}
