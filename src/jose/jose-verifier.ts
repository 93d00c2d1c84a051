import { jwtVerify, type JWTVerifyOptions } from 'jose';
import type { JwtHeader, JwtPayload } from '../jwt-types.js';
import type { KeyLike } from '../key-input.js';
import type { TokenVerifier, VerifiedJws, VerifyChecks } from '../token-verifier.js';
import { describeJoseError } from './verify-error.js';

/** jose's key parameter: a Node `KeyObject` is one of the kinds it takes (its CryptoKey is made once per KeyObject). */
type JoseKey = Parameters<typeof jwtVerify>[1];

function joseOptions(checks: VerifyChecks): JWTVerifyOptions {
  return {
    algorithms: [...checks.algorithms],
    clockTolerance: checks.clockTolerance,
    currentDate: new Date(checks.now),
    ...(checks.issuer !== undefined && { issuer: checks.issuer as string | string[] }),
    ...(checks.audience !== undefined && { audience: checks.audience as string | string[] }),
    ...(checks.subject !== undefined && { subject: checks.subject }),
    ...(checks.maxAge !== undefined && { maxTokenAge: checks.maxAge }),
  };
}

/**
 * A {@link TokenVerifier} backed by `jose` (an optional peer: `npm install
 * jose`), which verifies with WebCrypto on every runtime. It adds `EdDSA`
 * (and `Ed25519`, RFC 9864) to the algorithms jwt-once accepts, and verifies
 * RSA-PSS in workerd, where jsonwebtoken cannot. Same checks, error codes and
 * client texts as jsonwebtoken's, and the same replay key for a token.
 *
 * Use it for tokens (`verifier` in `jwtOnce`, `claimToken`, ...) and for DPoP
 * proofs (`verifier` in `dpopOnce`, `createDpopChecker`). The CommonJS build
 * loads jose with `require()`, which needs Node 20.19 or later (jose ships ES
 * modules only); `import` works everywhere.
 *
 * @example
 * import { jwtOnce } from 'jwt-once/express';
 * import { joseVerifier } from 'jwt-once/jose';
 * app.post('/login', jwtOnce({ secret: process.env.ED25519_PUBLIC_KEY_PEM!, algorithms: ['EdDSA'], verifier: joseVerifier }), login);
 */
export const joseVerifier: TokenVerifier = Object.freeze({
  name: 'jose',
  algorithms: Object.freeze(['EdDSA', 'Ed25519']),
  async verify(token: string, key: KeyLike, checks: VerifyChecks): Promise<VerifiedJws> {
    try {
      const { protectedHeader, payload } = await jwtVerify(token, key as unknown as JoseKey, joseOptions(checks));
      return { header: protectedHeader as JwtHeader, payload: payload as JwtPayload };
    } catch (err) {
      throw describeJoseError(err);
    }
  },
});
