import type { JwtOnceError, JwtOnceErrorCode, StoreError } from '../errors.js';

/** What the `onClaim` and `onReplay` hooks receive. Never the token. */
export interface ClaimEvent {
  /** The replay key the token was (or would have been) claimed under. */
  key: string;
  iss: string | undefined;
  sub: string | undefined;
  jti: string | undefined;
  /** The scope in force, `''` when none. */
  scope: string;
  /** The framework request, when the claim came through an adapter. */
  request: unknown;
}

/** Which check produced an event: a bearer JWT (`jwtOnce`, `claimToken`, ...) or a DPoP proof (`dpopOnce`, `checkDpopProof`). */
export type GuardKind = 'jwt' | 'dpop';

/**
 * What every message says about the store: its kind (`memory`, `redis`,
 * `sqlite`, `postgresql`, `keyv`, or `custom` for a store of yours) and how
 * long it took to answer. `storeMs` is `undefined` when the store was not
 * asked (the token was refused before) or answered synchronously (the memory
 * stores answer in well under a microsecond and are not timed).
 */
export interface StoreTiming {
  /** The store's kind. */
  store: string;
  /** Milliseconds the store took to answer, for stores that answer asynchronously. */
  storeMs: number | undefined;
}

/**
 * What `onRefuse` receives and `jwt-once:refusal` publishes, for every
 * refusal (missing, malformed, invalid, expired, reused, DPoP, store failure).
 * Never the token, never a secret. `error` is the {@link JwtOnceError}
 * itself: its `message` never holds the token; a {@link StoreError}'s
 * `detail` may name the store's host or path (for logs, never a client).
 */
export interface RefuseEvent extends StoreTiming {
  /** The refusal's stable code, e.g. `ERR_JWT_ONCE_REUSED`. */
  code: JwtOnceErrorCode;
  /** The HTTP status the middleware answers with (401, 400, 503). */
  status: number;
  /** `jwt` or `dpop`. */
  guard: GuardKind;
  /**
   * The scope in force (`''` when none); for DPoP, the request URL without
   * query (the `htu` it is compared with), `''` when it makes no URL.
   */
  scope: string;
  /** The replay key, when the refusal came at or after the claim (a replay, a store failure); else `undefined`. */
  key: string | undefined;
  /** Milliseconds from the start of the check (token lookup included, in a middleware) to the refusal. */
  durationMs: number;
  /** The refusal itself. */
  error: JwtOnceError;
  /** The framework request, when the check came through an adapter. */
  request: unknown;
}

/** What `jwt-once:claim` publishes once a token (or proof) is claimed: the {@link ClaimEvent} and its timing. */
export interface ClaimMessage extends ClaimEvent, StoreTiming {
  guard: GuardKind;
  /** Milliseconds from the start of the check (token lookup included, in a middleware) to the claim. */
  durationMs: number;
}

/** What `jwt-once:replay` publishes when a replay is refused: the {@link ClaimEvent} `onReplay` gets, and the store's timing. */
export interface ReplayMessage extends ClaimEvent, StoreTiming {
  guard: GuardKind;
}

/** What `jwt-once:store-error` publishes when the store failed and the token was refused (503). */
export interface StoreErrorMessage extends StoreTiming {
  guard: GuardKind;
  /** The failure: `detail` and `cause` say what failed (may name a host or path: log it, never send it). */
  error: StoreError;
  /** The replay key the claim was for, `undefined` for a read (`peekToken`). */
  key: string | undefined;
  /** The scope in force, `''` when none. */
  scope: string;
  /** The framework request, when the check came through an adapter. */
  request: unknown;
}

/** The hook of {@link RefuseEvent}s, as the options take it. */
export type RefuseHook = (event: RefuseEvent) => unknown;
