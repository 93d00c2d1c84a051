/**
 * The contract every claim store fulfils. One call does the atomic step
 * (`claim`), like `increment` in express-rate-limit: there is no separate
 * "is it used?" read that could race with a write.
 *
 * Implement it to put claims anywhere; the package ships a memory store and
 * Keyv-backed stores (Map, SQLite, Redis).
 *
 * @example
 * const store: ClaimStore = {
 *   async claim(key, expiresAt, now, id) { return db.insertUnlessLive(key, { expiresAt, id }, now); },
 *   async release(key, expiresAt, id) { await db.deleteIf(key, { expiresAt, id }); },
 * };
 */
export interface ClaimStore {
  /**
   * Atomically record `key` as used until `expiresAt` (epoch milliseconds),
   * unless a live (unexpired) claim of `key` already exists.
   *
   * Must resolve `true` for exactly one of any number of concurrent calls with
   * the same key, `false` for every other call while that claim lives, and
   * reject (or throw) when the store cannot answer: never guess `true`.
   * An entry whose `expiresAt` has passed counts as absent.
   *
   * @param key Replay key: a hash or `(iss, jti)`, never the token.
   * @param expiresAt Epoch ms after which the claim may be forgotten.
   * @param now Epoch ms the caller considers "now" (its injected clock).
   *   Stores that keep their own clock (Redis) may ignore it.
   * @param id A value unique to this claim attempt (random per process, then
   *   a counter). Keep it with the claim so that {@link release} removes this
   *   claim only, never a later claim of the same key (made after an
   *   eviction, a restart or a failover). `claimToken` always passes one;
   *   a caller that omits it releases with no id as well. Stores written
   *   before it existed may ignore it and compare `expiresAt` alone.
   */
  claim(key: string, expiresAt: number, now: number, id?: string): Promise<boolean> | boolean;

  /**
   * Remove the claim of `key` made with this `expiresAt` and `id`, so the
   * token can be presented again. Compare-and-delete: any other claim of
   * `key` is kept. Releasing an absent key is not an error.
   */
  release(key: string, expiresAt: number, id?: string): Promise<void> | void;

  /**
   * Free timers and connections. Optional; called by `closeStores()` for
   * stores jwt-once opened itself. A closed store must refuse every later
   * claim (throw or reject, a 503) and never answer `true`: requests still
   * draining after shutdown must not find an empty store.
   */
  close?(): Promise<void> | void;

  /**
   * Optional, advisory read: whether a live claim of `key` exists at `now`.
   * Reserves nothing and never replaces {@link claim}: the answer may be
   * stale by the time it arrives. Used to tell "still unused" from "already
   * used" without spending a token (scanner-safe magic links, `peekToken`).
   * A store without it answers "unknown" there. Reject (or throw) when the
   * store cannot answer.
   */
  isClaimed?(key: string, now: number): Promise<boolean> | boolean;
}

/** True when `value` looks like a {@link ClaimStore}. */
export function isClaimStore(value: unknown): value is ClaimStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ClaimStore).claim === 'function' &&
    typeof (value as ClaimStore).release === 'function'
  );
}
