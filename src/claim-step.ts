import type { JwtHeader, JwtPayload } from './jwt-types.js';
import { ConfigError, InvalidTokenError, JwtOnceError, MissingTokenError, ReusedTokenError, StoreError } from './errors.js';
import { ClaimResult, nextClaimId, type TokenPeek, type TokenState } from './claim-result.js';
import { claimExpiry } from './lifetime.js';
import { checkNumber, checkOptionNames } from './option-checks.js';
import { CLAIM_OPTION_NAMES } from './option-names.js';
import type { Claim, ClaimContext, ClaimEvent, ClaimOptions, VerifiedClaimOptions } from './options.js';
import { replayKey } from './replay-key.js';
import { resolveStore } from './stores/resolve-store.js';
import { asStoreError } from './stores/store-error.js';
import { timeBound, withinTime } from './stores/timeouts.js';
import { isThenable } from './thenable.js';

/** A verified, bounded token on its way to the store: what the claim and its answer need. */
interface PendingClaim {
  header: JwtHeader;
  payload: JwtPayload;
  /** The clock reading the claim is made at (ms). */
  now: number;
  replay: string;
  expiresAt: number;
  scope: string;
  request: unknown;
}

/**
 * A clock that never runs backwards: after a step back (NTP, VM resume), a token
 * already seen as expired, whose claim may have been swept, must not verify
 * again. Fails closed: it keeps the latest reading until the clock catches up.
 */
function monotonic(clock: () => number): () => number {
  let latest = Number.NEGATIVE_INFINITY;
  return () => {
    const reading: unknown = clock();
    if (typeof reading !== 'number' || !Number.isFinite(reading)) {
      // A promised time is refused; its rejection must not go unhandled.
      if (isThenable(reading)) Promise.resolve(reading).catch(() => undefined);
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

function eventOf(key: string, payload: JwtPayload, scope: string, request: unknown): ClaimEvent {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return { key, iss: str(payload.iss), sub: str(payload.sub), jti: str(payload.jti), scope, request };
}

function callHook(hook: ((event: ClaimEvent) => unknown) | undefined, event: () => ClaimEvent): void {
  if (hook === undefined) return;
  try {
    const result = hook(event());
    // An async hook that rejects must not become an unhandled rejection.
    if (isThenable(result)) Promise.resolve(result).catch(() => undefined);
  } catch {
    // Hooks observe; they never change the outcome.
  }
}

/** A present token no longer than `max`, refused before any parsing otherwise. */
export function checkTokenLength(token: string | null | undefined, max: number): asserts token is string {
  if (typeof token !== 'string' || token.length === 0) throw new MissingTokenError();
  if (token.length > max) throw new InvalidTokenError(`The token is longer than ${max} characters`);
}

/** Calls `onStoreError` with the failure (never the token); what it throws or rejects with is ignored. */
function reportStoreError(hook: ((error: StoreError) => unknown) | undefined, error: StoreError): StoreError {
  if (hook === undefined) return error;
  try {
    const result = hook(error);
    if (isThenable(result)) Promise.resolve(result).catch(() => undefined);
  } catch {
    // Hooks observe; they never change the outcome.
  }
  return error;
}

/** The checked options of the claim step, shared by {@link createClaimer} and {@link createVerifiedClaimer}. */
export interface ClaimStep {
  clockTolerance: number;
  maxAge: number | undefined;
  maxTokenLength: number;
  clock: () => number;
  /**
   * Bounds the lifetime of a verified payload, runs `validate`, claims in the store and calls the hooks.
   * `key` replaces the replay key derived by {@link replayKey}: for a DPoP proof, (JWK thumbprint, `htu`, `jti`).
   */
  claimPayload(
    token: string,
    header: JwtHeader,
    payload: JwtPayload,
    now: number,
    context: ClaimContext | undefined,
    key?: string,
  ): Promise<Claim>;
  /**
   * The same steps as {@link claimPayload} up to the claim, then a read of
   * the store (`isClaimed`) instead of the claim: nothing is written and no
   * `onClaim`/`onReplay` hook runs. For scanner-safe links (peek on GET).
   */
  peekPayload(token: string, header: JwtHeader, payload: JwtPayload, now: number, context: ClaimContext | undefined): Promise<TokenPeek>;
}

/**
 * Checks the options every claimer shares, once, and returns the claim step.
 * Throws a {@link ConfigError} on a wrong option.
 */
export function prepareClaimStep(options: ClaimOptions | VerifiedClaimOptions): ClaimStep {
  checkOptionNames('claim', options, CLAIM_OPTION_NAMES);
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
  const onStoreError = checkFunction('onStoreError', options.onStoreError);
  /** A store failure: reported once to `onStoreError`, then refused (503). */
  const storeFailed = (cause: unknown): Promise<never> =>
    Promise.reject(reportStoreError(onStoreError, asStoreError('The claim store failed', cause)));
  const clock = monotonic(checkFunction('now', options.now) ?? Date.now);
  const store = resolveStore(options.store, { allowNonAtomicStore: options.allowNonAtomicStore === true });
  const lifetime = { clockTolerance, maxAge, maxTtl, now: 0 };

  /** The store's answer, turned into the claim or the refusal. Throws a JwtOnceError. */
  function settle(won: unknown, pending: PendingClaim, id: string): Claim {
    const { header, payload, replay, expiresAt, scope, request } = pending;
    if (won === false) {
      callHook(onReplay, () => eventOf(replay, payload, scope, request));
      throw new ReusedTokenError();
    }
    if (won !== true) throw reportStoreError(onStoreError, new StoreError('The claim store gave no yes-or-no answer'));
    callHook(onClaim, () => eventOf(replay, payload, scope, request));
    return new ClaimResult(payload, header, replay, expiresAt, store, id);
  }

  /**
   * Claims in the store. A store that answers synchronously (memory) costs no
   * extra microtask turn; an async one is bounded by `storeTimeout`.
   */
  function claimInStore(pending: PendingClaim): Promise<Claim> {
    const { now, replay, expiresAt } = pending;
    const id = nextClaimId();
    let answer: boolean | Promise<boolean>;
    try {
      answer = store.claim(replay, expiresAt, now, id);
    } catch (cause) {
      return storeFailed(cause);
    }
    if (typeof answer === 'boolean') {
      try {
        return Promise.resolve(settle(answer, pending, id));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return withinTime(answer, storeTimeout, () => {
      Promise.resolve(store.release(replay, expiresAt, id)).catch(() => undefined);
    }).then((won) => settle(won, pending, id), storeFailed);
  }

  /** Runs `validate`; a refusal (thrown or `false`) is a 401 that consumes nothing. */
  async function runValidate(payload: JwtPayload, scope: string, request: unknown): Promise<void> {
    let accepted: unknown;
    try {
      accepted = await validate!(payload, { scope, request });
    } catch (cause) {
      if (cause instanceof JwtOnceError) throw cause;
      throw new InvalidTokenError('The token was refused by validate', { cause });
    }
    if (accepted === false) throw new InvalidTokenError('The token was refused by validate');
  }

  /** Reads whether `replay` holds a live claim, bounded by `storeTimeout`; writes nothing. */
  function readStore(payload: JwtPayload, now: number, replay: string, expiresAt: number): Promise<TokenPeek> {
    const answer = (state: TokenState): TokenPeek => ({ state, payload, key: replay, expiresAt: new Date(expiresAt) });
    if (typeof store.isClaimed !== 'function') return Promise.resolve(answer('unknown'));
    let read: boolean | Promise<boolean>;
    try {
      read = store.isClaimed(replay, now);
    } catch (cause) {
      return storeFailed(cause);
    }
    const bounded =
      typeof read === 'boolean'
        ? Promise.resolve(read)
        : timeBound(read, storeTimeout, () => new StoreError(`The claim store did not answer within ${storeTimeout} ms`));
    return bounded.then((used) => {
      if (typeof used !== 'boolean') throw reportStoreError(onStoreError, new StoreError('The claim store gave no yes-or-no answer'));
      return answer(used ? 'used' : 'unused');
    }, storeFailed);
  }

  /** What is known before the claim: lifetime, scope and replay key. Throws a JwtOnceError. */
  function bound(
    token: string,
    payload: JwtPayload,
    now: number,
    context: ClaimContext | undefined,
    key?: string,
  ): { expiresAt: number; scope: string; replay: string } {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new InvalidTokenError('The token payload must be a JSON object');
    }
    lifetime.now = now;
    const expiresAt = claimExpiry(payload, lifetime);
    const scope = context?.scope ?? defaultScope;
    const replay = key ?? replayKey(token.slice(0, token.lastIndexOf('.')), payload, scope);
    return { expiresAt, scope, replay };
  }

  /**
   * Bounds the lifetime of a verified payload, derives its replay key, runs
   * `validate`, then claims. Everything before the claim is synchronous.
   */
  function claimPayload(
    token: string,
    header: JwtHeader,
    payload: JwtPayload,
    now: number,
    context: ClaimContext | undefined,
    key?: string,
  ): Promise<Claim> {
    let bounds: { expiresAt: number; scope: string; replay: string };
    try {
      bounds = bound(token, payload, now, context, key);
    } catch (err) {
      return Promise.reject(err);
    }
    const { expiresAt, scope, replay } = bounds;
    const pending: PendingClaim = { header, payload, now, replay, expiresAt, scope, request: context?.request };
    return validate === undefined ? claimInStore(pending) : runValidate(payload, scope, pending.request).then(() => claimInStore(pending));
  }

  function peekPayload(
    token: string,
    _header: JwtHeader,
    payload: JwtPayload,
    now: number,
    context: ClaimContext | undefined,
  ): Promise<TokenPeek> {
    let bounds: { expiresAt: number; scope: string; replay: string };
    try {
      bounds = bound(token, payload, now, context);
    } catch (err) {
      return Promise.reject(err);
    }
    const { expiresAt, scope, replay } = bounds;
    return validate === undefined
      ? readStore(payload, now, replay, expiresAt)
      : runValidate(payload, scope, context?.request).then(() => readStore(payload, now, replay, expiresAt));
  }

  return { clockTolerance, maxAge, maxTokenLength, clock, claimPayload, peekPayload };
}
