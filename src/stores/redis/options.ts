/**
 * Options of {@link RedisClaimStore}.
 *
 * @example
 * new RedisClaimStore(keyv, { commandTimeout: 1000, waitForReplicas: 1, replicaTimeout: 100 });
 */
export interface RedisClaimStoreOptions {
  /**
   * Most ms a release may take, and a claim may wait for a connection the
   * store is still making (the first one, or one it started) and its checks;
   * past it the call is rejected (a store error, 503). A claim carries no
   * timer of its own: `claimToken` bounds it by `storeTimeout` and releases a
   * win that arrives later, so a slow reply never passes and never spends the token.
   * @default 1000
   */
  commandTimeout?: number;
  /**
   * Accept a Redis with `maxmemory` set and an evicting `maxmemory-policy`
   * (or whose `INFO` cannot be read). **Unsafe:** an evicted claim lets its
   * token be replayed. Leave it off and set `maxmemory-policy noeviction`.
   * @default false
   */
  allowEvictingRedis?: boolean;
  /**
   * After a winning `SET`, `WAIT` for this many replicas to acknowledge it
   * (on the same connection; on a cluster, on the master that owns the key).
   * Fewer acknowledgements within `replicaTimeout` refuse the token (503) and
   * keep the claim: a failover cannot lose a claim that was answered 2xx.
   * @default 0 (no WAIT)
   */
  waitForReplicas?: number;
  /**
   * Most ms `WAIT` blocks for the replicas (`waitForReplicas`). Keep it well
   * under `storeTimeout`: a win confirmed after `storeTimeout` is released.
   * @default 100
   */
  replicaTimeout?: number;
  /**
   * Ms between two eviction checks (`INFO memory` on every server, every
   * master of a cluster) while connected, besides the one on every
   * (re)connect. A server switched at run time to `maxmemory` with an
   * evicting policy (`CONFIG SET`) refuses every claim (503) from the check
   * that sees it until a check finds it safe again (refused, it is checked
   * again at most once a second while claims arrive). A check runs in the
   * background (claims do not wait for it), on a timer that never keeps the
   * process alive, stopped by {@link RedisClaimStore.close}. A whole number,
   * at least 1; {@link RedisClaimStore.checkSafety} checks at a chosen time.
   * @default 10_000
   */
  safetyCheckInterval?: number;
}
