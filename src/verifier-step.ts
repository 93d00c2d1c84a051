import { ConfigError, InvalidTokenError, JwtOnceError } from './errors.js';
import type { KeyLike } from './key-input.js';
import type { TokenVerifier, VerifiedJws, VerifyChecks } from './token-verifier.js';

/**
 * Checks the `verifier` option once, at creation: `undefined` (jsonwebtoken)
 * or an object with `name`, `algorithms` and `verify`. A RegExp `audience`
 * is jsonwebtoken's alone, so it is refused with any other verifier.
 *
 * @throws {ConfigError} naming what to fix.
 * @example
 * const verifier = checkVerifier(options.verifier, options.audience);
 */
export function checkVerifier(verifier: unknown, audience: unknown): TokenVerifier | undefined {
  if (verifier === undefined) return undefined;
  const v = verifier as Partial<TokenVerifier> | null;
  if (typeof v !== 'object' || v === null || typeof v.verify !== 'function' || typeof v.name !== 'string' || !Array.isArray(v.algorithms)) {
    throw new ConfigError("`verifier` must be a TokenVerifier such as joseVerifier (import { joseVerifier } from 'jwt-once/jose')");
  }
  const audiences: unknown[] = Array.isArray(audience) ? audience : [audience];
  if (audiences.some((a) => a instanceof RegExp)) {
    throw new ConfigError(`\`audience\` as a RegExp is jsonwebtoken's; the ${v.name} verifier takes strings only`);
  }
  return v as TokenVerifier;
}

/**
 * Runs `verifier` on one token. A `JwtOnceError` it rejects with passes as
 * is; anything else is a 401 with a fixed text (the error is the `cause`).
 *
 * @example
 * const checks = { algorithms: ['EdDSA'], clockTolerance: 0, now: Date.now() };
 * const { header, payload } = await verifyWithVerifier(joseVerifier, token, key, checks);
 */
export async function verifyWithVerifier(verifier: TokenVerifier, token: string, key: KeyLike, checks: VerifyChecks): Promise<VerifiedJws> {
  let verified: VerifiedJws;
  try {
    verified = await verifier.verify(token, key, checks);
  } catch (err) {
    if (err instanceof JwtOnceError) throw err;
    throw new InvalidTokenError('The token is invalid', { cause: err });
  }
  if (
    typeof verified?.payload !== 'object' ||
    verified.payload === null ||
    typeof verified.header !== 'object' ||
    verified.header === null
  ) {
    throw new InvalidTokenError('The token is invalid');
  }
  return verified;
}
