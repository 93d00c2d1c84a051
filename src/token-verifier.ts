import type { JwtHeader, JwtPayload } from './jwt-types.js';
import type { KeyLike } from './key-input.js';

/**
 * The checks a {@link TokenVerifier} runs besides the signature, as jwt-once
 * resolved them from its options. Times are in seconds except `now`.
 */
export interface VerifyChecks {
  /** The accepted `alg` values: a token signed otherwise is refused. */
  algorithms: readonly string[];
  /** Seconds of skew tolerated on `exp`, `nbf` and `iat`. */
  clockTolerance: number;
  /** The current time in milliseconds since the epoch (jwt-once's `now`). */
  now: number;
  /** Expected `iss`, when configured. */
  issuer?: string | readonly string[];
  /** Expected `aud`, when configured (strings only: a verifier other than jsonwebtoken takes no RegExp). */
  audience?: string | readonly string[];
  /** Expected `sub`, when configured. */
  subject?: string;
  /** Largest accepted age of `iat` in seconds, when configured. */
  maxAge?: number;
}

/** What a {@link TokenVerifier} returns: the protected header and the payload, verified. */
export interface VerifiedJws {
  header: JwtHeader;
  payload: JwtPayload;
}

/**
 * Verifies a compact JWS and its registered claims in place of jsonwebtoken,
 * e.g. `joseVerifier` from `jwt-once/jose` for EdDSA, or for RSA-PSS in
 * workerd. A verifier only verifies: the replay key, the claim's lifetime and
 * the store are jwt-once's, so a token keeps its replay key whichever
 * verifier checked it.
 *
 * `verify` rejects with a `JwtOnceError` (`InvalidTokenError` or
 * `ExpiredTokenError`) whose message names no configured value; any other
 * rejection is answered as an invalid token.
 *
 * @example
 * import { joseVerifier } from 'jwt-once/jose';
 * app.use(jwtOnce({ secret: publicKeyPem, algorithms: ['EdDSA'], verifier: joseVerifier }));
 */
export interface TokenVerifier {
  /** A short name, for error messages. */
  readonly name: string;
  /** Algorithms this verifier adds to jsonwebtoken's, e.g. `['EdDSA', 'Ed25519']`. */
  readonly algorithms: readonly string[];
  /** Verifies `token` with `key` (a Node `KeyObject`, prepared once by jwt-once). */
  verify(token: string, key: KeyLike, checks: VerifyChecks): Promise<VerifiedJws>;
}
