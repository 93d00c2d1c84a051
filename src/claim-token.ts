import type { KeyObject } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import jwt from 'jsonwebtoken';
import type { Jwt, JwtHeader, JwtPayload, VerifyOptions } from 'jsonwebtoken';
import {
  ConfigError,
  ExpiredTokenError,
  InvalidTokenError,
  JwtOnceError,
  MissingTokenError,
  ReusedTokenError,
  StoreError,
} from './errors.js';
import { checkAlgorithms, prepareKey, ResolvedKeyCache, type SecretResolver } from './keys.js';
import { claimExpiry } from './lifetime.js';
import { checkNumber } from './option-checks.js';
import type { Claim, ClaimContext, ClaimEvent, ClaimOptions, VerifiedClaimOptions } from './options.js';
import { replayKey } from './replay-key.js';
import type { ClaimStore } from './stores/claim-store.js';
import { resolveStore } from './stores/resolve-store.js';

const { verify, decode, JsonWebTokenError, TokenExpiredError, NotBeforeError } = jwt;

/**
 * Verifies and claims tokens with options checked once. Resolves with the
 * {@link Claim} or rejects with a {@link JwtOnceError}.
 */
export type Claimer = (token: string | null | undefined, context?: ClaimContext) => Promise<Claim>;

/**
 * A clock that never runs backwards: after a step back (NTP, VM resume), a token
 * already seen as expired, whose claim may have been swept, must not verify
 * again. Fails closed: it keeps the latest reading until the clock catches up.
 */
function monotonic(clock: () => number): () => number {
  let latest = Number.NEGATIVE_INFINITY;
  return () => {
    const reading = clock();
    if (typeof reading !== 'number' || !Number.isFinite(reading)) {
      throw new ConfigError('`now` must return the time as a finite number of epoch ms');
    }
    if (reading > latest) latest = reading;
    return latest;
  };
}

function checkFunction<T>(name: string, value: T): T {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(`\`${name}\` must be a function`);
  return value;
}

function describeVerifyError(err: unknown): JwtOnceError {
  if (err instanceof TokenExpiredError) {
    return new ExpiredTokenError('The token has expired', { expiredAt: err.expiredAt });
  }
  if (err instanceof NotBeforeError) {
    return new InvalidTokenError('The token is not valid yet (nbf)');
  }
  // jsonwebtoken's own messages name the failed check, never the token. Anything else (a
  // SyntaxError quoting the decoded payload, a TypeError on a `null` payload) gets no detail.
  const reason = err instanceof JsonWebTokenError ? err.message : 'the token is malformed';
  return new InvalidTokenError(`The token is invalid: ${reason}`);
}

function eventOf(key: string, payload: JwtPayload, scope: string, request: unknown): ClaimEvent {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return { key, iss: str(payload.iss), sub: str(payload.sub), jti: str(payload.jti), scope, request };
}

function callHook(hook: ((event: ClaimEvent) => unknown) | undefined, event: () => ClaimEvent): void {
  if (hook === undefined) return;
  try {
    const result = hook(event());
    // An async hook that rejects must not become an unhandled rejection.
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // Hooks observe; they never change the outcome.
  }
}

/** A present token no longer than `max`, refused before any parsing otherwise. */
function checkTokenLength(token: string | null | undefined, max: number): asserts token is string {
  if (typeof token !== 'string' || token.length === 0) throw new MissingTokenError();
  if (token.length > max) throw new InvalidTokenError(`The token is longer than ${max} characters`);
}

function asStoreError(cause: unknown): StoreError {
  return cause instanceof StoreError ? cause : new StoreError('The claim store failed', { cause });
}

/** Waits for an async store answer for at most `ms`; a late `true` is released, so it cannot pass. */
function withinTime(
  pending: Promise<boolean>,
  ms: number,
  onLateWin: () => void,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new StoreError(`The claim store did not answer within ${ms} ms`));
    }, ms);
    pending.then(
      (won) => {
        if (timedOut) {
          if (won === true) onLateWin();
          return;
        }
        clearTimeout(timer);
        resolve(won);
      },
      (err: unknown) => {
        if (timedOut) return;
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

class ClaimResult implements Claim {
  private released: Promise<void> | undefined;

  constructor(
    readonly payload: JwtPayload,
    readonly header: JwtHeader,
    readonly key: string,
    private readonly expiresAtMs: number,
    private readonly store: ClaimStore,
  ) {}

  /** Made when read: most requests never look at it. */
  get expiresAt(): Date {
    return new Date(this.expiresAtMs);
  }

  release(): Promise<void> {
    this.released ??= (async () => {
      try {
        await this.store.release(this.key, this.expiresAtMs);
      } catch (cause) {
        throw new StoreError('The claim store could not release the claim', { cause });
      }
    })();
    return this.released;
  }
}

/** The checked options of the claim step, shared by {@link createClaimer} and {@link createVerifiedClaimer}. */
interface ClaimStep {
  clockTolerance: number;
  maxAge: number | undefined;
  maxTokenLength: number;
  clock: () => number;
  /** Bounds the lifetime of a verified payload, runs `validate`, claims in the store and calls the hooks. */
  claimPayload(token: string, header: JwtHeader, payload: JwtPayload, now: number, context: ClaimContext | undefined): Promise<Claim>;
}

function prepareClaimStep(options: ClaimOptions | VerifiedClaimOptions): ClaimStep {
  const seconds = { min: 0, unit: 'seconds' };
  const clockTolerance = checkNumber('`clockTolerance`', options.clockTolerance, 0, seconds);
  const maxAge = checkNumber('`maxAge`', options.maxAge, undefined, seconds);
  const maxTtl = checkNumber('`maxTtl`', options.maxTtl, 86_400, seconds);
  const maxTokenLength = checkNumber('`maxTokenLength`', options.maxTokenLength, 8192, { min: 1, integer: true, unit: 'characters' });
  const storeTimeout = checkNumber('`storeTimeout`', options.storeTimeout, 1000, { min: 1, integer: true, unit: 'ms' });
  if (options.scope !== undefined && typeof options.scope !== 'string') {
    throw new ConfigError('`scope` must be a string');
  }
  const defaultScope = options.scope ?? '';
  const validate = checkFunction('validate', options.validate);
  const onClaim = checkFunction('onClaim', options.onClaim);
  const onReplay = checkFunction('onReplay', options.onReplay);
  const clock = monotonic(checkFunction('now', options.now) ?? Date.now);
  const store = resolveStore(options.store, { allowNonAtomicStore: options.allowNonAtomicStore === true });
  const lifetime = { clockTolerance, maxAge, maxTtl, now: 0 };

  /** The store's answer, turned into the claim or the refusal. Throws a JwtOnceError. */
  function settle(won: unknown, header: JwtHeader, payload: JwtPayload, replay: string, expiresAt: number, scope: string, request: unknown): Claim {
    if (won === false) {
      callHook(onReplay, () => eventOf(replay, payload, scope, request));
      throw new ReusedTokenError();
    }
    if (won !== true) throw new StoreError('The claim store gave no yes-or-no answer');
    callHook(onClaim, () => eventOf(replay, payload, scope, request));
    return new ClaimResult(payload, header, replay, expiresAt, store);
  }

  /**
   * Claims in the store. A store that answers synchronously (memory) costs no
   * extra microtask turn; an async one is bounded by `storeTimeout`.
   */
  function claimInStore(header: JwtHeader, payload: JwtPayload, now: number, replay: string, expiresAt: number, scope: string, request: unknown): Promise<Claim> {
    let answer: boolean | Promise<boolean>;
    try {
      answer = store.claim(replay, expiresAt, now);
    } catch (cause) {
      return Promise.reject(asStoreError(cause));
    }
    if (typeof answer === 'boolean') {
      try {
        return Promise.resolve(settle(answer, header, payload, replay, expiresAt, scope, request));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return withinTime(answer, storeTimeout, () => {
      Promise.resolve(store.release(replay, expiresAt)).catch(() => undefined);
    }).then(
      (won) => settle(won, header, payload, replay, expiresAt, scope, request),
      (cause: unknown) => Promise.reject(asStoreError(cause)),
    );
  }

  async function validateThenClaim(header: JwtHeader, payload: JwtPayload, now: number, replay: string, expiresAt: number, scope: string, request: unknown): Promise<Claim> {
    let accepted: unknown;
    try {
      accepted = await validate!(payload, { scope, request });
    } catch (cause) {
      if (cause instanceof JwtOnceError) throw cause;
      throw new InvalidTokenError('The token was refused by validate', { cause });
    }
    if (accepted === false) throw new InvalidTokenError('The token was refused by validate');
    return claimInStore(header, payload, now, replay, expiresAt, scope, request);
  }

  /**
   * Bounds the lifetime of a verified payload, derives its replay key, runs
   * `validate`, then claims. Everything before the claim is synchronous.
   */
  function claimPayload(token: string, header: JwtHeader, payload: JwtPayload, now: number, context: ClaimContext | undefined): Promise<Claim> {
    let expiresAt: number;
    let scope: string;
    let replay: string;
    try {
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new InvalidTokenError('The token payload must be a JSON object');
      }
      lifetime.now = now;
      expiresAt = claimExpiry(payload, lifetime);
      scope = context?.scope ?? defaultScope;
      replay = replayKey(token.slice(0, token.lastIndexOf('.')), payload, scope);
    } catch (err) {
      return Promise.reject(err);
    }
    const request = context?.request;
    return validate === undefined
      ? claimInStore(header, payload, now, replay, expiresAt, scope, request)
      : validateThenClaim(header, payload, now, replay, expiresAt, scope, request);
  }

  return { clockTolerance, maxAge, maxTokenLength, clock, claimPayload };
}

/**
 * Checks `options` once and returns a function that verifies and claims
 * tokens. Adapters use this; call it yourself to pay the option checks and key
 * parsing once instead of per token.
 *
 * Misconfiguration throws a {@link ConfigError} here, never per request.
 *
 * @example
 * import { createClaimer } from 'jwt-once';
 * const claim = createClaimer({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] });
 * const { payload } = await claim(tokenFromLink);
 */
export function createClaimer(options: ClaimOptions): Claimer {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('options are required: { secret, algorithms }');
  }
  const algorithms = checkAlgorithms(options.algorithms);
  const symmetric = algorithms[0]!.startsWith('HS');
  const { secret } = options;
  if (secret === undefined || secret === null || (secret as unknown) === '') {
    throw new ConfigError('`secret` is required: the shared secret, a PEM public key, a KeyObject, or a key lookup function');
  }
  const staticKey: KeyObject | undefined = typeof secret === 'function' ? undefined : prepareKey(secret, symmetric);
  const resolver: SecretResolver | undefined = typeof secret === 'function' ? secret : undefined;
  const resolvedKeys = new ResolvedKeyCache(symmetric);

  const { clockTolerance, maxAge, maxTokenLength, clock, claimPayload } = prepareClaimStep(options);

  // Reused across calls: verify() is synchronous, so no two calls share it at once.
  const verifyOptions: VerifyOptions & { complete: true } = {
    algorithms,
    complete: true,
    clockTolerance,
    ...(options.issuer !== undefined && { issuer: options.issuer as VerifyOptions['issuer'] }),
    ...(options.audience !== undefined && { audience: options.audience as VerifyOptions['audience'] }),
    ...(options.subject !== undefined && { subject: options.subject }),
    ...(maxAge !== undefined && { maxAge }),
  };
  /** Only called with a key lookup function; a static key skips this await entirely. */
  async function keyFor(token: string): Promise<KeyObject> {
    let decoded: ReturnType<typeof decode>;
    try {
      // jws.decode throws (a SyntaxError quoting the payload) on a non-JSON payload under `typ: JWT`.
      decoded = decode(token, { complete: true });
    } catch {
      decoded = null;
    }
    if (
      decoded === null ||
      typeof decoded.header !== 'object' ||
      decoded.header === null ||
      typeof decoded.payload !== 'object' ||
      decoded.payload === null
    ) {
      throw new InvalidTokenError('The token is malformed');
    }
    // A kid is a string (RFC 7515 s4.1.4): an array or object must not reach a lookup such as `keys[kid]`.
    if (decoded.header.kid !== undefined && typeof decoded.header.kid !== 'string') {
      throw new InvalidTokenError('The kid header must be a string');
    }
    try {
      return resolvedKeys.get(await resolver!(decoded.header, decoded.payload));
    } catch (cause) {
      if (cause instanceof JwtOnceError) throw cause;
      throw new InvalidTokenError('No key was found for this token', { cause });
    }
  }

  /** Verifies with `key`, synchronously; throws a JwtOnceError. */
  function verifyWith(token: string, key: KeyObject, now: number): Jwt {
    try {
      verifyOptions.clockTimestamp = Math.floor(now / 1000);
      return verify(token, key, verifyOptions);
    } catch (err) {
      throw describeVerifyError(err);
    }
  }

  if (staticKey === undefined) {
    return async function claimer(token, context) {
      checkTokenLength(token, maxTokenLength);
      const key = await keyFor(token);
      const now = clock();
      const { header, payload } = verifyWith(token, key, now);
      return claimPayload(token, header, payload as JwtPayload, now, context);
    };
  }
  // A static key: no await before the claim step, and its promise is returned
  // as is (an async wrapper returning a promise costs extra microtask turns).
  return function claimer(token, context) {
    let now: number;
    let verified: Jwt;
    try {
      checkTokenLength(token, maxTokenLength);
      now = clock();
      verified = verifyWith(token, staticKey, now);
    } catch (err) {
      return Promise.reject(err);
    }
    return claimPayload(token as string, verified.header, verified.payload as JwtPayload, now, context);
  };
}

const claimers = new WeakMap<ClaimOptions, Claimer>();

/**
 * Verifies `token` and atomically records it as used, so that every later
 * presentation is refused until the token expires.
 *
 * Order: verify the signature and claims, bound the lifetime, run `validate`,
 * then claim. A token refused by any step before the claim is not consumed.
 * Options are checked once per options object (cached), so pass the same
 * object on every call, or use {@link createClaimer}.
 *
 * @param token the compact JWT (no `Bearer ` prefix).
 * @param options see {@link ClaimOptions}; `secret` and `algorithms` are required.
 * @returns the verified payload, replay key, claim expiry and `release()`.
 * @throws {MissingTokenError} 401 when `token` is empty.
 * @throws {InvalidTokenError} 401 when it does not verify or cannot be bounded.
 * @throws {ExpiredTokenError} 401 when it has expired.
 * @throws {ReusedTokenError} 401 when it was already used.
 * @throws {StoreError} 503 when the store cannot answer.
 * @throws {ConfigError} when `options` are wrong.
 *
 * @example
 * import { claimToken, ReusedTokenError } from 'jwt-once';
 * const options = { secret: process.env.LINK_SECRET!, algorithms: ['HS256'] as const };
 * try {
 *   const { payload } = await claimToken(token, options);
 *   await logIn(payload.sub);
 * } catch (err) {
 *   if (err instanceof ReusedTokenError) return showLinkAlreadyUsed();
 *   throw err;
 * }
 */
export function claimToken(token: string | null | undefined, options: ClaimOptions): Promise<Claim> {
  let claimer = claimers.get(options);
  if (claimer === undefined) {
    try {
      claimer = createClaimer(options);
    } catch (err) {
      return Promise.reject(err);
    }
    claimers.set(options, claimer);
  }
  return claimer(token);
}

/**
 * Claims tokens that a verifier in front of jwt-once (express-jwt, koa-jwt,
 * hono/jwt, ...) has already verified: `(token, verifiedPayload, context?)`.
 */
export type VerifiedClaimer = (
  token: string | null | undefined,
  verifiedPayload: JwtPayload | null | undefined,
  context?: ClaimContext,
) => Promise<Claim>;

const VERIFIER_OPTIONS = ['secret', 'algorithms', 'issuer', 'audience', 'subject'] as const;

/** Decodes `token` (no signature check) and checks its payload is the one the verifier accepted. */
function headerOfVerified(token: string, verifiedPayload: JwtPayload): JwtHeader {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError('The token is malformed');
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError('The token is malformed');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new InvalidTokenError('The token is malformed');
  }
  // Binds the replay key (from this token's signed part) to what was verified: a second,
  // unverified token sent beside the verified one cannot choose the key.
  if (!isDeepStrictEqual(payload, verifiedPayload)) {
    throw new InvalidTokenError('The token in the request is not the token the verifier accepted');
  }
  return header as JwtHeader;
}

/**
 * Like {@link createClaimer}, for a token a verifier in front of jwt-once has
 * already checked: it does not verify the signature again, and only claims.
 * **Use it only behind a verifier**: it trusts `verifiedPayload`.
 *
 * The replay key still comes from signed content: the raw token's
 * `header.payload` (or `iss` + `jti`), the same key {@link claimToken} uses.
 * The raw token's payload must equal `verifiedPayload`, so read the token
 * from the same place the verifier did. Expiry follows the same rules
 * (`exp`, `maxAge`, `maxTtl`, `clockTolerance`); set `clockTolerance` and
 * `maxAge` at least as large as the verifier's, or a claim could be forgotten
 * while the verifier still accepts the token.
 *
 * A missing `verifiedPayload` is refused (401), never passed.
 *
 * @example
 * import { createVerifiedClaimer } from 'jwt-once';
 * const claimOnce = createVerifiedClaimer({ store });
 * // after your verifier accepted `token` with payload `payload`:
 * await claimOnce(token, payload);
 */
export function createVerifiedClaimer(options: VerifiedClaimOptions = {}): VerifiedClaimer {
  if (options === null || typeof options !== 'object') throw new ConfigError('options must be an object');
  for (const name of VERIFIER_OPTIONS) {
    if ((options as Partial<ClaimOptions>)[name] !== undefined) {
      throw new ConfigError(`\`${name}\` is not used when claiming already-verified tokens: configure it on your verifier`);
    }
  }
  const { maxTokenLength, clock, claimPayload } = prepareClaimStep(options);

  return async function verifiedClaimer(token, verifiedPayload, context) {
    checkTokenLength(token, maxTokenLength);
    if (typeof verifiedPayload !== 'object' || verifiedPayload === null || Array.isArray(verifiedPayload)) {
      throw new InvalidTokenError('No verified payload: jwt-once must run behind a verifier that accepted this token');
    }
    const header = headerOfVerified(token, verifiedPayload);
    return claimPayload(token, header, verifiedPayload, clock(), context);
  };
}

const verifiedClaimers = new WeakMap<VerifiedClaimOptions, VerifiedClaimer>();
const NO_OPTIONS: VerifiedClaimOptions = {};

/**
 * {@link claimToken} for a token your verifier already accepted: claims it
 * once without verifying it again. See {@link createVerifiedClaimer}.
 *
 * @example
 * import { claimVerified } from 'jwt-once';
 * const options = { maxTtl: 900 };
 * const { key } = await claimVerified(token, verifiedPayload, options);
 */
export function claimVerified(
  token: string | null | undefined,
  verifiedPayload: JwtPayload | null | undefined,
  options: VerifiedClaimOptions = NO_OPTIONS,
): Promise<Claim> {
  let claimer = verifiedClaimers.get(options);
  if (claimer === undefined) {
    try {
      claimer = createVerifiedClaimer(options);
    } catch (err) {
      return Promise.reject(err);
    }
    verifiedClaimers.set(options, claimer);
  }
  return claimer(token, verifiedPayload);
}
