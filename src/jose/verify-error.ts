import { ExpiredTokenError, InvalidTokenError, type JwtOnceError } from '../errors.js';

/** What jose puts on its errors: a stable `code`, and for claim checks the claim and why. */
interface JoseErrorShape {
  code?: unknown;
  claim?: unknown;
  reason?: unknown;
  payload?: { exp?: unknown };
}

/** The client text for a failed check of one registered claim (`JWTClaimValidationFailed`). */
const CLAIM_TEXTS: Readonly<Record<string, string>> = {
  iss: 'The token issuer is not accepted',
  aud: 'The token audience is not accepted',
  sub: 'The token subject is not accepted',
  nbf: 'The token is not valid yet (nbf)',
};

/** The client text per jose error `code`, the same texts jsonwebtoken's refusals get. */
const CODE_TEXTS: Readonly<Record<string, string>> = {
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'The token is invalid: invalid signature',
  ERR_JOSE_ALG_NOT_ALLOWED: 'The token is invalid: invalid algorithm',
  ERR_JOSE_NOT_SUPPORTED: 'The token is invalid: invalid algorithm',
  ERR_JWS_INVALID: 'The token is malformed',
  ERR_JWT_INVALID: 'The token is malformed',
};

/**
 * Turns what jose's `jwtVerify` threw into the {@link JwtOnceError} a client
 * may see, with the texts jsonwebtoken's refusals get (see
 * `describeVerifyError`): never a configured value, never the token. The
 * original error is the `cause`, for logs. Read by `code` (not `instanceof`),
 * so a second copy of jose is understood too.
 *
 * @example
 * try { await jwtVerify(token, key, options) } catch (err) { throw describeJoseError(err) }
 */
export function describeJoseError(err: unknown): JwtOnceError {
  const { code, claim, reason, payload } = (typeof err === 'object' && err !== null ? err : {}) as JoseErrorShape;
  if (code === 'ERR_JWT_EXPIRED') {
    // exp passed, or (maxAge) iat too old: both are jsonwebtoken's TokenExpiredError.
    const exp = typeof payload?.exp === 'number' && claim === 'exp' ? new Date(payload.exp * 1000) : undefined;
    return new ExpiredTokenError('The token has expired', { ...(exp !== undefined && { expiredAt: exp }), cause: err });
  }
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && typeof claim === 'string') {
    if (claim === 'iat') {
      return new InvalidTokenError(reason === 'missing' ? 'The token has no iat' : 'The token is invalid: invalid iat value', {
        cause: err,
      });
    }
    // A timestamp that is not a number is malformed, not early or late.
    if ((claim === 'nbf' || claim === 'exp') && reason === 'invalid') {
      return new InvalidTokenError(`The token is invalid: invalid ${claim} value`, { cause: err });
    }
    const text = CLAIM_TEXTS[claim];
    if (text !== undefined) return new InvalidTokenError(text, { cause: err });
  }
  if (typeof code === 'string' && CODE_TEXTS[code] !== undefined) return new InvalidTokenError(CODE_TEXTS[code], { cause: err });
  // A key that does not fit the alg (jose throws a TypeError), or anything unforeseen: no detail for the client.
  return new InvalidTokenError('The token is invalid', { cause: err });
}
