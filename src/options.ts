import type { Algorithm, JwtHeader, JwtPayload } from './jwt-types.js';
import type { StoreError } from './errors.js';
import type { KeyInput, SecretResolver } from './key-input.js';
import type { StoreOption } from './stores/resolve-store.js';
import type { TokenVerifier } from './token-verifier.js';

/** Algorithms only a `verifier` such as `joseVerifier` checks (jsonwebtoken has no EdDSA). */
export type VerifierAlgorithm = 'EdDSA' | 'Ed25519';

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

/** Per-call context: what an adapter knows about the request. */
export interface ClaimContext {
  /** Overrides the configured `scope` for this call. */
  scope?: string;
  /** The framework request, passed to `validate` and the hooks. */
  request?: unknown;
}

/**
 * Options of {@link claimToken} and {@link createClaimer}; every adapter takes
 * them too.
 */
export interface ClaimOptions {
  /**
   * The verification key: a shared secret (string, or bytes: a `Uint8Array` such as a Buffer) for HS*, a PEM
   * public key (string or bytes) for RS, PS and ES algorithms, a Node `KeyObject`, or a function of the decoded
   * header and payload returning one (e.g. a `kid` lookup in a JWKS).
   * Required. Strings are turned into a `KeyObject` once, at creation.
   */
  secret: KeyInput | SecretResolver;
  /**
   * Accepted algorithms. Required and non-empty; `none` is refused. `EdDSA`
   * (and `Ed25519`) need a `verifier` that has them, such as `joseVerifier`.
   */
  algorithms: readonly (Algorithm | VerifierAlgorithm)[];
  /**
   * Verifies signatures and registered claims instead of jsonwebtoken: e.g.
   * `joseVerifier` from `jwt-once/jose` (the `jose` package, WebCrypto on every
   * runtime) for EdDSA tokens, or for RSA-PSS in workerd. The replay key, the
   * claim and every other check stay jwt-once's: a token has the same replay
   * key whichever verifier checked it.
   * @default jsonwebtoken
   * @example
   * import { joseVerifier } from 'jwt-once/jose';
   * claimToken(token, { secret: ed25519PublicPem, algorithms: ['EdDSA'], verifier: joseVerifier });
   */
  verifier?: TokenVerifier;
  /**
   * **Unsafe.** Accept an HMAC secret shorter than the hash output (RFC 7518
   * s3.2: 32 bytes for HS256, 48 for HS384, 64 for HS512; with several HS*
   * algorithms listed, the largest). Only to keep a legacy short secret
   * working while it is rotated: a short secret can be guessed offline from
   * any one token, and then anyone can sign tokens. A public key given as the
   * secret is refused even so.
   * @default false (a short secret is a ConfigError at creation, and a short secret returned by a resolver a 401)
   */
  allowShortHmacSecret?: boolean;
  /** Expected `iss` (one or any of several). @default not checked */
  issuer?: string | string[];
  /** Expected `aud`. @default not checked */
  audience?: string | RegExp | Array<string | RegExp>;
  /** Expected `sub`. @default not checked */
  subject?: string;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. @default 0 */
  clockTolerance?: number;
  /** Refuse tokens whose `iat` is older than this many seconds; bounds tokens without `exp`. @default none */
  maxAge?: number;
  /**
   * Longest claim jwt-once will hold, in seconds. A token that would stay valid
   * longer is refused (401) rather than kept in the store for years.
   * @default 86_400 (one day)
   */
  maxTtl?: number;
  /** Tokens longer than this many characters are refused before any parsing. @default 8192 */
  maxTokenLength?: number;
  /**
   * Where claims live: a {@link ClaimStore}, a `Keyv` instance (Map, `@keyv/sqlite`,
   * `@keyv/redis`), or a store URL (`memory://`, `sqlite://path.db`,
   * `redis://host:port`, `rediss://...`) opened once per process.
   * @default one process-wide {@link MemoryStore} shared by every call that names none
   */
  store?: StoreOption;
  /**
   * Accept a Keyv adapter that has no atomic claim (anything but the Map,
   * `@keyv/redis` and `@keyv/sqlite`) through a get-then-set under a
   * per-process lock. **Safe within one process only**: two processes sharing
   * that backend can both accept the same token.
   * @default false (such an adapter is refused with a ConfigError)
   */
  allowNonAtomicStore?: boolean;
  /** Most ms a store call may take before the token is refused with a 503. @default 1000 */
  storeTimeout?: number;
  /** Partition of the replay space: a token can be used once per scope. @default '' */
  scope?: string;
  /**
   * Extra check run after verification and before the claim. Throw (or return
   * `false`) to refuse the token (401) without consuming it, so the client can
   * retry after a transient failure. A thrown `JwtOnceError` keeps its code and status.
   * @default none
   */
  validate?: (payload: JwtPayload, context: ClaimContext) => unknown;
  /** Called after a successful claim. Must not throw; errors are ignored. */
  onClaim?: (event: ClaimEvent) => void;
  /** Called when a replay is refused: the event to alert on. Must not throw; errors are ignored. */
  onReplay?: (event: ClaimEvent) => void;
  /**
   * Called once per store failure that refused a token (503): the store threw,
   * timed out or gave no yes-or-no answer. Receives the {@link StoreError},
   * whose `detail` and `cause` say what failed (host, port, path: log them,
   * never send them to a client); never the token. For logs and alerts. Must
   * not throw; errors (and rejections) are ignored.
   * @default none
   * @example
   * onStoreError: (err) => logger.error({ code: err.code, detail: err.detail }, 'jwt-once store down')
   */
  onStoreError?: (error: StoreError) => void;
  /** Clock in epoch ms, for tests. @default Date.now */
  now?: () => number;
}

/**
 * Options of {@link createVerifiedClaimer} and {@link claimVerified}: the
 * {@link ClaimOptions} without the verification settings, which belong to the
 * verifier in front of jwt-once.
 */
export type VerifiedClaimOptions = Omit<
  ClaimOptions,
  'secret' | 'algorithms' | 'allowShortHmacSecret' | 'issuer' | 'audience' | 'subject' | 'verifier'
>;

/** A successful claim. */
export interface Claim {
  /** The verified payload. */
  payload: JwtPayload;
  /** The verified header. */
  header: JwtHeader;
  /** The replay key the token is claimed under (a hash or `(iss, jti)`). */
  key: string;
  /** When the claim may be forgotten: after the token stops verifying. */
  expiresAt: Date;
  /**
   * Give the token back so it can be presented again (e.g. the work it
   * authorised failed). Idempotent; only removes this claim.
   */
  release(): Promise<void>;
}
