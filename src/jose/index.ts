// jwt-once/jose: verify tokens and DPoP proofs with `jose` (an optional peer) instead of jsonwebtoken.
export { joseVerifier } from './jose-verifier.js';
export type { TokenVerifier, VerifiedJws, VerifyChecks } from '../token-verifier.js';
