export { claimToken, createClaimer, type Claimer } from './claim-token.js';
export { claimVerified, createVerifiedClaimer, type VerifiedClaimer } from './claim-verified.js';
export type { Claim, ClaimContext, ClaimEvent, ClaimOptions, VerifiedClaimOptions, VerifierAlgorithm } from './options.js';
export type { TokenVerifier, VerifiedJws, VerifyChecks } from './token-verifier.js';
export type { Algorithm, JwtHeader, JwtPayload } from './jwt-types.js';
export {
  ConfigError,
  ExpiredTokenError,
  InvalidTokenError,
  JwtOnceError,
  MalformedRequestError,
  MissingTokenError,
  ReusedTokenError,
  StoreError,
  type JwtOnceErrorCode,
} from './errors.js';
export { replayKey } from './replay-key.js';
export { CLAIM_MARGIN_MS, claimExpiry } from './lifetime.js';
export { SUPPORTED_ALGORITHMS } from './supported-algorithms.js';
export type { KeyInput, KeyLike, SecretResolver } from './key-input.js';
export type { ClaimStore } from './stores/claim-store.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory/memory-store.js';
export { KeyvMapStore } from './stores/keyv/map-store.js';
export { getDefaultStore, resolveStore, type StoreOption } from './stores/resolve-store.js';
export { bearerToken, cookieValue } from './bearer-token.js';
export { errorResponse, RETRY_AFTER_SECONDS, type ErrorResponse } from './http-response.js';
export { createRequestGuard, type GuardOptions, type HeaderReader, type RequestGuard } from './request-guard.js';
export { optionsFromEnv } from './env-options.js';
export { closeStores, openStore, type ResolveStoreOptions } from './stores/resolve-store.js';
export { RedisClaimStore } from './stores/redis/redis-store.js';
export type { RedisCommandClient } from './stores/redis/client.js';
export type { RedisServerReport } from './stores/redis/checks.js';
export type { RedisClaimStoreOptions } from './stores/redis/options.js';
export { SqliteClaimStore } from './stores/sqlite/sqlite-store.js';
export type { SqliteClaimStoreOptions } from './stores/sqlite/options.js';
export { PostgresClaimStore } from './stores/postgres/postgres-store.js';
export type { PostgresClaimStoreOptions } from './stores/postgres/options.js';
export { KeyvLockedStore } from './stores/keyv/locked-store.js';
export { createTokenPeeker, peekToken, type TokenPeek, type TokenPeeker, type TokenState } from './peek-token.js';
export { DpopNonceError, DpopProofError, ReusedDpopProofError } from './errors.js';
