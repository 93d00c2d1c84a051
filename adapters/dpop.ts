// jwt-once/dpop: DPoP proofs (RFC 9449) checked and claimed once, with no framework loaded.
export { checkDpopProof, createDpopChecker, type DpopChecker } from '../src/dpop/check-proof.js';
export { createDpopGuard, dpopAccessToken, type DpopGuard, type DpopGuardOptions, type DpopRequestParts } from '../src/dpop/dpop-guard.js';
export { checkOrigin, normalizeHtu, requestTarget } from '../src/dpop/htu.js';
export { checkPublicJwk, jwkPublicKey, jwkThumbprint, type PublicJwk } from '../src/dpop/jwk.js';
export {
  DEFAULT_DPOP_ALGORITHMS,
  type DpopAlgorithm,
  type DpopNonceOptions,
  type DpopOptions,
  type DpopProof,
  type DpopRequest,
} from '../src/dpop/options.js';
export {
  DpopNonceError,
  DpopProofError,
  ReusedDpopProofError,
  JwtOnceError,
  StoreError,
  ConfigError,
  type JwtOnceErrorCode,
} from '../src/errors.js';
export { errorResponse, type ErrorResponse } from '../src/http-response.js';
