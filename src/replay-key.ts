import * as crypto from 'node:crypto';
import type { JwtPayload } from './jwt-types.js';
import { InvalidTokenError } from './errors.js';

type OneShotHash = (algorithm: string, data: string, outputEncoding: 'base64url') => string;
/** `crypto.hash` (Node >= 20.12) hashes in one call, twice as fast as `createHash()`; older Nodes fall back. */
const oneShotHash = (crypto as { hash?: OneShotHash }).hash;

/** base64url SHA-256 of `data`, without allocating a Hash object when the runtime allows. */
function sha256(data: string): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha256', data, 'base64url')
    : crypto.createHash('sha256').update(data).digest('base64url');
}

/** Longest `jti` or `iss` accepted into a replay key. */
const MAX_ID_LENGTH = 256;

/**
 * The key a token is claimed under, derived from signed content only:
 *
 * - with a `jti`: `jti:<len(iss)>:<iss>:<jti>` (RFC 7519 s4.1.7: a `jti` is
 *   unique per issuer), so re-signed copies of one assertion are one claim;
 * - without: `sha256:<base64url SHA-256 of header.payload>`. Never the whole
 *   token: RS/PS/ES signatures verify under more than one spelling (and ES256
 *   has a second valid signature), so only the signed part identifies a token.
 *
 * A non-empty `scope` is prefixed as `<len(scope)>:<scope>:`. Every variable
 * part is length-prefixed, so no two inputs give the same key.
 *
 * @param signingInput the token up to (excluding) its last `.`.
 * @param payload the verified payload.
 * @param scope partition of the replay space; `''` for none.
 * @example
 * replayKey('eyJhbGciOi...eyJzdWIiOi...', { jti: 'a1', iss: 'https://id.example' }, '')
 * // 'jti:18:https://id.example:a1'
 */
export function replayKey(signingInput: string, payload: JwtPayload, scope: string): string {
  const prefix = scope === '' ? '' : `${scope.length}:${scope}:`;
  const { jti } = payload;
  if (jti === undefined) {
    return `${prefix}sha256:${sha256(signingInput)}`;
  }
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_ID_LENGTH) {
    throw new InvalidTokenError(`The jti claim must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  const iss = payload.iss ?? '';
  if (typeof iss !== 'string' || iss.length > MAX_ID_LENGTH) {
    throw new InvalidTokenError(`The iss claim must be a string of at most ${MAX_ID_LENGTH} characters`);
  }
  return `${prefix}jti:${iss.length}:${iss}:${jti}`;
}
