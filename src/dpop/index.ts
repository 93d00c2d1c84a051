// jwt-once/dpop: DPoP proofs (RFC 9449) checked and claimed once, with no framework loaded.
export { checkDpopProof, createDpopChecker, type DpopChecker } from './check-proof.js';
export { createDpopGuard, dpopAccessToken, type DpopGuard, type DpopGuardOptions, type DpopRequestParts } from './dpop-guard.js';
export { checkOrigin, normalizeHtu, requestTarget } from './htu.js';
export { checkPublicJwk, jwkPublicKey, jwkThumbprint, type PublicJwk } from './jwk.js';
export {
  DEFAULT_DPOP_ALGORITHMS,
  type DpopAlgorithm,
  type DpopNonceOptions,
  type DpopOptions,
  type DpopProof,
  type DpopRequest,
} from './options.js';
export {
  DpopNonceError,
  DpopProofError,
  ReusedDpopProofError,
  JwtOnceError,
  StoreError,
  ConfigError,
  type JwtOnceErrorCode,
} from '../errors.js';
export { errorResponse, type ErrorResponse } from '../http-response.js';
