import type { JwtPayload } from './jwt-types.js';
import { ExpiredTokenError, InvalidTokenError } from './errors.js';

/**
 * Extra time a claim outlives the last instant the verifier accepts the
 * token, in ms: covers rounding of second-resolution JWT times and small
 * clock differences between the hosts that share a store.
 */
export const CLAIM_MARGIN_MS = 1000;

/** Inputs of {@link claimExpiry}, all in seconds except `now` (ms). */
interface LifetimeRules {
  clockTolerance: number;
  maxAge: number | undefined;
  maxTtl: number;
  now: number;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * When a claim of this (already verified) token may be forgotten, in epoch ms:
 * the last instant the verifier would still accept it, plus a margin. That is
 * `exp + clockTolerance`, and no later than `iat + maxAge + clockTolerance`
 * when `maxAge` is set. Never shorter than the verifier's window.
 *
 * Refuses a token the store could not bound: no `exp` and no `maxAge`,
 * times that are not finite non-negative numbers, `iat` in the future, or a
 * lifetime above `maxTtl`. An expired token is refused as expired.
 */
export function claimExpiry(payload: JwtPayload, rules: LifetimeRules): number {
  const { clockTolerance, maxAge, maxTtl, now } = rules;
  const { exp, iat, nbf } = payload;
  let lastValid = Number.POSITIVE_INFINITY; // seconds
  if (exp !== undefined) {
    if (!isTime(exp)) throw new InvalidTokenError('The exp claim must be a finite, non-negative number');
    lastValid = exp + clockTolerance;
  }
  if (iat !== undefined && !isTime(iat)) throw new InvalidTokenError('The iat claim must be a finite, non-negative number');
  if (nbf !== undefined && !isTime(nbf)) throw new InvalidTokenError('The nbf claim must be a finite, non-negative number');
  if (iat !== undefined && iat * 1000 > now + clockTolerance * 1000) {
    throw new InvalidTokenError('The token was issued in the future (iat)');
  }
  if (maxAge !== undefined) {
    if (iat === undefined) {
      throw new InvalidTokenError('The token has no iat', { cause: new Error('jwt-once: maxAge is set, so a token must carry iat') });
    }
    lastValid = Math.min(lastValid, iat + maxAge + clockTolerance);
  }
  if (lastValid === Number.POSITIVE_INFINITY) {
    // The advice is the operator's: the client is told what is wrong with its token, no more.
    throw new InvalidTokenError('The token has no exp', {
      cause: new Error('jwt-once: a single-use token must expire; set maxAge to accept tokens without exp, bounded by their iat'),
    });
  }
  const expiresAt = lastValid * 1000;
  if (expiresAt <= now) {
    throw new ExpiredTokenError('The token has expired', { expiredAt: new Date(expiresAt) });
  }
  if (expiresAt - now > maxTtl * 1000) {
    throw new InvalidTokenError('The token lives too long to be made single-use', {
      cause: new Error(`jwt-once: the token lives longer than maxTtl (${maxTtl} s); refusing to hold its claim that long`),
    });
  }
  return Math.ceil(expiresAt) + CLAIM_MARGIN_MS;
}
