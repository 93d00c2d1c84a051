import jwt from 'jsonwebtoken';
import { ExpiredTokenError, InvalidTokenError, type JwtOnceError } from './errors.js';

const { JsonWebTokenError, TokenExpiredError, NotBeforeError } = jwt;

/**
 * What a client is told for each jsonwebtoken refusal: a fixed text. Some of
 * jsonwebtoken's messages carry the configured value (`jwt audience invalid.
 * expected: https://internal.example/api`), which is the operator's business:
 * it stays in the error's `cause`.
 */
const CLIENT_TEXTS: ReadonlyArray<readonly [prefix: string, text: string]> = [
  ['jwt audience invalid', 'The token audience is not accepted'],
  ['jwt issuer invalid', 'The token issuer is not accepted'],
  ['jwt subject invalid', 'The token subject is not accepted'],
  ['jwt jwtid invalid', 'The token jwtid is not accepted'],
  ['jwt nonce invalid', 'The token nonce is not accepted'],
  ['invalid signature', 'The token is invalid: invalid signature'],
  ['invalid algorithm', 'The token is invalid: invalid algorithm'],
  ['jwt signature is required', 'The token is invalid: jwt signature is required'],
  ['invalid nbf value', 'The token is invalid: invalid nbf value'],
  ['invalid exp value', 'The token is invalid: invalid exp value'],
  ['iat required when maxAge is specified', 'The token has no iat'],
  ['jwt malformed', 'The token is malformed'],
  ['invalid token', 'The token is malformed'],
];

/**
 * Turns what `jsonwebtoken.verify` threw into the {@link JwtOnceError} a
 * client may see: a fixed message per failed check, never a configured
 * `audience`, `issuer` or `subject`, never the token. The original error is
 * the `cause`, for logs.
 *
 * @example
 * try { verify(token, key, options) } catch (err) { throw describeVerifyError(err) }
 */
export function describeVerifyError(err: unknown): JwtOnceError {
  if (err instanceof TokenExpiredError) {
    return new ExpiredTokenError('The token has expired', { expiredAt: err.expiredAt, cause: err });
  }
  if (err instanceof NotBeforeError) {
    return new InvalidTokenError('The token is not valid yet (nbf)', { cause: err });
  }
  if (err instanceof JsonWebTokenError) {
    const known = CLIENT_TEXTS.find(([prefix]) => err.message.startsWith(prefix));
    return new InvalidTokenError(known?.[1] ?? 'The token is invalid', { cause: err });
  }
  // Anything else (a SyntaxError quoting the decoded payload, a TypeError on a `null` payload):
  // no detail, and no cause either, as it would carry token content into logs.
  return new InvalidTokenError('The token is invalid: the token is malformed');
}
