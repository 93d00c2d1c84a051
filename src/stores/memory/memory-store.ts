import { StoreError } from '../../errors.js';
import { checkNumber } from '../../option-checks.js';
import type { ClaimStore } from '../claim-store.js';
import { claimValue, expiryOfValue } from '../claim-value.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most live claims held at once. When full, new claims are refused with a
   * store error (503) rather than evicting a live claim: an evicted claim would
   * reopen a replay window.
   * @default 1_000_000
   */
  maxEntries?: number;
  /**
   * How often expired claims are swept, in ms. The timer is unref'd, so it
   * never keeps a process alive. The background sweep removes only claims
   * expired by the earlier of this store's clock and the latest time a claim
   * was made: a clock stepped forward and back again cannot sweep away a claim
   * that the claimers still hold live.
   * @default 60_000
   */
  sweepInterval?: number;
  /** Clock used by the background sweep (epoch ms). @default Date.now */
  now?: () => number;
}

/**
 * Claims held in this process's memory: atomic by construction (the check and
 * the write run with no `await` between them), swept in the background, and
 * bounded. Protects one process; use SQLite or Redis for several.
 *
 * @example
 * import { MemoryStore, claimToken } from 'jwt-once';
 * const store = new MemoryStore({ maxEntries: 100_000 });
 * await claimToken(token, { secret, algorithms: ['HS256'], store });
 */
export class MemoryStore implements ClaimStore {
  readonly maxEntries: number;
  readonly sweepInterval: number;
  /** Per key: the expiry, or `"<expiresAt>:<id>"` when the claim has an id (one flat string, the least heap). */
  private readonly entries = new Map<string, number | string>();
  private readonly clock: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastFullSweep = 0;
  private closed = false;
  /** The latest `now` a claim was made at: the background sweep never runs ahead of it. */
  private latestClaimAt = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryStoreOptions = {}) {
    const { maxEntries, sweepInterval, now = Date.now } = options;
    this.maxEntries = checkNumber('MemoryStore maxEntries', maxEntries, 1_000_000, { min: 1, integer: true });
    this.sweepInterval = checkNumber('MemoryStore sweepInterval', sweepInterval, 60_000, { min: 1, unit: 'ms' });
    this.clock = now;
  }

  /** Live and not yet swept claims. */
  get size(): number {
    return this.entries.size;
  }

  /** @throws {StoreError} once {@link close}d, or when full. */
  claim(key: string, expiresAt: number, now: number, id = ''): boolean {
    if (this.closed) throw new StoreError('The memory store is closed; refusing rather than forgetting its claims');
    const entries = this.entries;
    if (now > this.latestClaimAt) this.latestClaimAt = now;
    const existing = entries.get(key);
    if (existing !== undefined && (typeof existing === 'number' ? existing : expiryOfValue(existing)) > now) return false;
    if (existing === undefined && entries.size >= this.maxEntries) {
      // Full: reclaim expired entries at most once a second, then fail closed.
      if (now - this.lastFullSweep >= 1000) {
        this.lastFullSweep = now;
        this.sweep(now);
      }
      if (entries.size >= this.maxEntries) {
        throw new StoreError(`Memory store is full (maxEntries ${this.maxEntries}); refusing rather than evicting a live claim`);
      }
    }
    entries.set(key, claimValue(expiresAt, id));
    if (this.timer === undefined) this.startSweeping();
    return true;
  }

  /** Removes the claim of `key` made with this expiry and id (none: `''`); keeps any other. */
  release(key: string, expiresAt: number, id = ''): void {
    if (this.entries.get(key) === claimValue(expiresAt, id)) this.entries.delete(key);
  }

  /**
   * Delete every claim expired at `now`. Runs on its own timer; call it
   * directly to sweep at a chosen time (tests inject the clock this way).
   * @returns how many claims were removed.
   */
  sweep(now: number = this.clock()): number {
    let removed = 0;
    for (const [key, value] of this.entries) {
      if ((typeof value === 'number' ? value : expiryOfValue(value)) <= now) {
        this.entries.delete(key);
        removed++;
      }
    }
    if (this.entries.size === 0) this.stopSweeping();
    return removed;
  }

  /**
   * Stop the sweep timer, free the claims, and refuse every later claim with
   * a {@link StoreError} (503): a closed store never answers "unused", so
   * requests still draining after shutdown cannot replay a token. There is no
   * reopening; make a new store.
   */
  close(): void {
    this.closed = true;
    this.stopSweeping();
    this.entries.clear();
  }

  private startSweeping(): void {
    this.timer = setInterval(() => this.sweep(Math.min(this.clock(), this.latestClaimAt)), this.sweepInterval);
    this.timer.unref?.(); // a number on Workers and in browsers: nothing to unref
  }

  private stopSweeping(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Advisory read (see {@link ClaimStore.isClaimed}): a live claim of `key` at `now`. Reserves nothing. */
  isClaimed(key: string, now: number): boolean {
    const existing = this.entries.get(key);
    return existing !== undefined && expiryOfValue(existing) > now;
  }
}
