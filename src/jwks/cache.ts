import type { KeyObject } from 'node:crypto';
import { InvalidTokenError, JwksUnavailableError } from '../errors.js';
import { isThenable } from '../thenable.js';
import type { JwksConfig } from './config.js';
import { fetchKeySet } from './fetch.js';
import { importKeySet, type KeySet } from './jwk-import.js';
import { selectKey, type NoKey } from './key-select.js';

/** Longest a `Cache-Control: max-age` may keep a key set, in ms (one day). */
export const LONGEST_TTL = 86_400_000;

/**
 * After a failed fetch, how long (ms) tokens are answered from what is cached
 * (or refused with a 503) without fetching again: the `Retry-After` a 503 gives.
 */
export const FAILURE_BACKOFF = 1_000;

/** A failure's message and its causes' messages, after the URL: what an operator reads in `detail`. */
function describe(url: string, cause: unknown): string {
  const reasons: string[] = [];
  // Duck-typed: fetch's errors may come from another realm (a test runner's VM), where `instanceof Error` is false.
  for (let next = cause as { message?: unknown; cause?: unknown } | undefined; reasons.length < 4; next = next.cause as typeof next) {
    if (typeof next !== 'object' || next === null || typeof next.message !== 'string') break;
    reasons.push(next.message);
  }
  return `The key set at ${url} ${reasons.join(': ') || 'could not be fetched'}`;
}

/** Calls `onError`; what it throws or rejects with is ignored. */
function report(hook: ((error: JwksUnavailableError) => unknown) | undefined, error: JwksUnavailableError): void {
  if (hook === undefined) return;
  try {
    const result = hook(error);
    if (isThenable(result)) Promise.resolve(result).catch(() => undefined);
  } catch {
    // Hooks observe; they never change the outcome.
  }
}

/**
 * One key set URL: its keys, when they were fetched, and the fetch in flight.
 *
 * - Fresh (within its TTL): keys are answered synchronously. A `kid` it lacks
 *   causes one refetch, at most once per `cooldown`; concurrent misses share
 *   the fetch in flight.
 * - Expired: the next token waits for a refetch (shared); if it fails, the
 *   old keys serve until `maxStale` past the TTL, without waiting, while a
 *   refetch is tried at most once per {@link FAILURE_BACKOFF}.
 * - Nothing usable: a {@link JwksUnavailableError} (503).
 *
 * Never rejects a promise nobody holds: a fetch's failure is recorded, and
 * only the tokens waiting for it are refused.
 *
 * @example
 * const cache = new KeySetCache('https://idp.example/.well-known/jwks.json', config);
 * const key = await cache.keyFor(header.alg, header.kid);
 */
export class KeySetCache {
  private set: KeySet | undefined;
  private freshUntil = 0;
  private staleUntil = 0;
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  /** The last fetch's failure, `undefined` once one succeeds. */
  private failure: JwksUnavailableError | undefined;
  private failedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly config: JwksConfig,
  ) {}

  /**
   * The key for a token with header `alg` and `kid`: synchronously from a
   * fresh set, else once a fetch settles.
   *
   * @throws {InvalidTokenError} 401 when the (fresh) key set has no fitting key.
   * @throws {JwksUnavailableError} 503 when the key set cannot be fetched and no cached keys may serve.
   */
  keyFor(alg: unknown, kid: string | undefined): KeyObject | Promise<KeyObject> {
    const now = this.config.now();
    const set = this.set;
    if (set !== undefined && now < this.freshUntil) {
      const key = selectKey(set, alg, kid);
      if (typeof key !== 'string') return key;
      if (this.inflight === undefined && now - this.lastFetchAt < this.config.cooldown) throw this.miss(key);
      return this.refresh(now).then(() => this.settle(alg, kid));
    }
    if (set !== undefined && this.failure !== undefined && now < this.staleUntil) {
      // The server failed lately: the stale keys serve at once, and a refetch is tried behind them.
      void this.refresh(now);
      const key = selectKey(set, alg, kid);
      if (typeof key !== 'string') return key;
      throw this.unavailable();
    }
    return this.refresh(now).then(() => this.settle(alg, kid));
  }

  /** The answer once a fetch has settled (or was skipped in the backoff). */
  private settle(alg: unknown, kid: string | undefined): KeyObject {
    const set = this.set;
    if (set === undefined || this.config.now() >= this.staleUntil) throw this.unavailable();
    const key = selectKey(set, alg, kid);
    if (typeof key !== 'string') return key;
    throw this.miss(key);
  }

  /** No fitting key: a 401, unless the set could not be refreshed (the key may be in the newer set: 503). */
  private miss(reason: NoKey): Error {
    if (this.failure !== undefined) return this.unavailable();
    return new InvalidTokenError(
      reason === 'ambiguous' ? 'The token has no kid and several keys of the key set fit it' : 'No key in the key set matches this token',
    );
  }

  /** A fresh error per refused token, carrying the last failure for logs. */
  private unavailable(): JwksUnavailableError {
    const failure = this.failure;
    return new JwksUnavailableError(undefined, {
      cause: failure?.cause,
      detail: failure?.detail ?? `The key set at ${this.url} has no usable keys`,
    });
  }

  /** Starts a fetch unless one is in flight or the last one failed less than {@link FAILURE_BACKOFF} ago. Never rejects. */
  private refresh(now: number): Promise<void> {
    if (this.inflight !== undefined) return this.inflight;
    if (this.failure !== undefined && now - this.failedAt < FAILURE_BACKOFF) return Promise.resolve();
    this.lastFetchAt = now;
    this.inflight = this.fetchOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchOnce(): Promise<void> {
    const { ttl, cooldown, maxStale, timeout, now, onError } = this.config;
    try {
      const { document, maxAge } = await fetchKeySet(this.url, timeout);
      const set = importKeySet(document);
      const lifetime = maxAge === undefined ? ttl : Math.min(Math.max(maxAge, cooldown), LONGEST_TTL);
      this.set = set;
      this.freshUntil = now() + lifetime;
      this.staleUntil = this.freshUntil + maxStale;
      this.failure = undefined;
    } catch (cause) {
      const failure = new JwksUnavailableError(undefined, { cause, detail: describe(this.url, cause) });
      this.failure = failure;
      this.failedAt = now();
      report(onError, failure);
    }
  }
}
