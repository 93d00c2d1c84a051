import type Keyv from 'keyv';
import { ConfigError, StoreError } from '../../errors.js';
import type { ClaimStore } from '../claim-store.js';
import { claimJson, legacyClaimJson } from '../claim-value.js';
import { bindKeyv, refuseCompression } from '../keyv-binding.js';
import { checkNumber } from '../../option-checks.js';
import type { RedisServerReport } from './checks.js';
import { isKeyvRedisAdapter, KeyLayout, type KeyvRedisAdapter } from './keys.js';
import type { RedisCommandClient } from './client.js';
import { RedisReadiness } from './readiness.js';
import { ReplicaWait } from './replicas.js';
import { checkSafetyInterval } from '../safety-timer.js';
import { asStoreError } from '../store-error.js';
import { withTimeout } from '../timeouts.js';
import type { RedisClaimStoreOptions } from './options.js';

// Compare-and-delete in one step: only the claim holding this exact value (expiry and id) goes.
/** Compare-and-delete on the claim's text (ARGV[1]) or the text an older version wrote for it (ARGV[2]). */
const RELEASE_SCRIPT =
  "local v = redis.call('GET', KEYS[1]) " +
  "if v and (v == ARGV[1] or v == ARGV[2]) then return redis.call('DEL', KEYS[1]) else return 0 end";

function checkExpiresAt(expiresAt: number): void {
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= 0) {
    throw new StoreError('The claim expiry must be a positive integer of epoch ms');
  }
}

/**
 * Claims in Redis (a single node, Valkey, or a Redis Cluster) through the
 * node-redis client that a `@keyv/redis` adapter already holds.
 *
 * - **Claim:** one `SET key value NX PX <expiresAt - now>`, atomic on the
 *   server, so exactly one of any number of processes and hosts wins. The
 *   lifetime is sent relative to the caller's clock (see docs/stores/redis.md).
 * - **Format:** the key is Keyv's (`namespace::namespace:key` as Keyv and
 *   `@keyv/redis` build it), captured once: if the adapter's or the Keyv's
 *   namespace changes later, claims are refused (503) rather than written to
 *   another replay domain. The value is {@link claimJson}, so `keyv.get(key)` reads a claim.
 * - **Release:** compare-and-delete of this claim's value (expiry and id) in one Lua `EVAL`; the
 *   text an older version wrote for the same claim ({@link legacyClaimJson}) is removed too.
 * - **Readiness:** claims made while the first connection (or one the store
 *   started) is in flight wait for it, bounded by `commandTimeout`; a client
 *   that was ready and is reconnecting fails fast (503).
 * - **Eviction:** on every (re)connect, and every `safetyCheckInterval` ms
 *   (default 10 s) while connected, each server (every master of a cluster)
 *   is read with `INFO memory`; one with `maxmemory` set and a policy other
 *   than `noeviction`, or whose INFO cannot be read, refuses every claim
 *   (503, and `ready()` rejects) unless `allowEvictingRedis`, until a check
 *   finds it safe again.
 * - **Replicas:** `waitForReplicas` adds a `WAIT` after each win.
 * - **Closed:** after {@link close}, every claim and release is refused
 *   (503) and the store never reconnects.
 *
 * @example
 * import Keyv from 'keyv';
 * import KeyvRedis from '@keyv/redis';
 * import { RedisClaimStore, claimToken } from 'jwt-once';
 * const keyv = new Keyv(new KeyvRedis('redis://127.0.0.1:6379'), { namespace: 'jwt-once' });
 * const store = new RedisClaimStore(keyv, { waitForReplicas: 1, safetyCheckInterval: 10_000 }); // or pass `store: keyv` to claimToken
 * await store.ready(); // fail fast at start-up: unreachable, or evicting
 * await claimToken(token, { secret, algorithms: ['HS256'], store });
 */
export class RedisClaimStore implements ClaimStore {
  /** The command timeout in force, in ms. */
  readonly commandTimeout: number;
  /** Replicas each win waits for (0: none). */
  readonly waitForReplicas: number;
  /** Most ms each `WAIT` blocks. */
  readonly replicaTimeout: number;
  /** Ms between two eviction checks while connected. */
  readonly safetyCheckInterval: number;
  private readonly allowEvicting: boolean;
  private readonly opening: Promise<Keyv>;
  private adapter: KeyvRedisAdapter | undefined;
  private layout: KeyLayout | undefined;
  private readiness: RedisReadiness | undefined;
  private commands: RedisCommandClient | undefined;
  private replicas: ReplicaWait | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly ownsClient: boolean;

  /**
   * @param keyv a `Keyv` whose adapter is `@keyv/redis`, or a promise of one
   *   (jwt-once opens URL stores that way, loading `@keyv/redis` lazily).
   * @param options see {@link RedisClaimStoreOptions}.
   * @param owned internal: close the client on {@link close} (stores opened from a URL).
   * @throws {ConfigError} when `keyv` is not backed by `@keyv/redis`, or an option is out of range.
   */
  constructor(keyv: Keyv | Promise<Keyv>, options: RedisClaimStoreOptions = {}, owned = false) {
    this.commandTimeout = checkNumber('RedisClaimStore commandTimeout', options.commandTimeout, 1000, { min: 1, unit: 'ms' });
    this.waitForReplicas = checkNumber('RedisClaimStore waitForReplicas', options.waitForReplicas, 0, {
      min: 0,
      integer: true,
      unit: 'replicas',
    });
    this.replicaTimeout = checkNumber('RedisClaimStore replicaTimeout', options.replicaTimeout, 100, { min: 1, integer: true, unit: 'ms' });
    this.safetyCheckInterval = checkSafetyInterval('RedisClaimStore safetyCheckInterval', options.safetyCheckInterval);
    if (options.allowEvictingRedis !== undefined && typeof options.allowEvictingRedis !== 'boolean') {
      throw new ConfigError('RedisClaimStore allowEvictingRedis must be true or false');
    }
    this.allowEvicting = options.allowEvictingRedis === true;
    this.ownsClient = owned;
    this.opening = bindKeyv(keyv, (opened) => this.attach(opened));
  }

  private attach(keyv: Keyv): void {
    if (!isKeyvRedisAdapter(keyv.store)) {
      throw new ConfigError('RedisClaimStore needs a Keyv whose adapter is @keyv/redis');
    }
    refuseCompression(keyv, 'RedisClaimStore');
    const adapter = keyv.store as KeyvRedisAdapter;
    this.adapter = adapter;
    this.layout = new KeyLayout(keyv, adapter);
    this.commands = adapter.client.withCommandOptions({ timeout: this.commandTimeout });
    if (this.waitForReplicas > 0) {
      const client = adapter.client as unknown as ConstructorParameters<typeof ReplicaWait>[0];
      this.replicas = new ReplicaWait(client, 'masters' in adapter.client, this.waitForReplicas, this.replicaTimeout);
    }
    this.readiness = new RedisReadiness(adapter.client, {
      connectTimeout: this.commandTimeout,
      allowEvicting: this.allowEvicting,
      safetyCheckInterval: this.safetyCheckInterval,
    });
    if (this.closed) this.readiness.close();
  }

  /**
   * Resolves once the store is usable: `@keyv/redis` loaded (URL stores), the
   * client connected and every server checked for eviction. Optional: the
   * first claim does the same. Await it at start-up to fail fast on a missing
   * package, an unreachable or an evicting Redis; then read {@link servers}.
   */
  async ready(): Promise<void> {
    await this.usable();
  }

  /**
   * Checks every server for eviction now (as the `safetyCheckInterval` timer
   * does), then resolves once claims are allowed, or rejects with the
   * StoreError (503) they are refused with. Use it for a health check, or in
   * a test instead of waiting for the timer.
   */
  async checkSafety(): Promise<void> {
    if (this.closed) throw new StoreError('The Redis claim store is closed');
    await this.opening;
    await this.readiness!.checkNow();
    await this.usable();
  }

  /**
   * What the last checks found, one entry per server (empty before the first
   * connection): address, `maxmemory`, `maxmemory-policy`, AOF on or off.
   * Log it at start-up; never send it to clients.
   */
  get servers(): RedisServerReport[] {
    return this.readiness?.servers ?? [];
  }

  /**
   * The Redis key a claim of `key` lives under: Keyv's prefix, then the
   * adapter's `namespace::`. Every host sharing a replay domain must give the
   * same key for the same claim: log `redisKey('')` at start-up on each.
   */
  redisKey(key: string): string {
    if (this.layout === undefined) throw new StoreError('The Redis claim store is not open yet');
    return this.layout.keyOf(key);
  }

  /** Waits until a command may be sent; a StoreError when it must not be. */
  private async usable(): Promise<RedisCommandClient> {
    if (this.closed) throw new StoreError('The Redis claim store is closed');
    await this.opening;
    await this.readiness!.whenUsable();
    return this.adapter!.client;
  }

  async claim(key: string, expiresAt: number, now: number = Date.now(), id = ''): Promise<boolean> {
    checkExpiresAt(expiresAt);
    if (!Number.isFinite(now)) throw new StoreError('The claim time must be a finite number of epoch ms');
    const ttl = Math.ceil(expiresAt - now);
    let reply: unknown;
    let redisKey: string;
    try {
      // Hot path: no await before the command once usable.
      const readiness = this.readiness;
      const client = readiness !== undefined && readiness.usable ? readiness.raw : await this.usable();
      redisKey = this.redisKey(key);
      if (ttl <= 0) {
        // A claim already over holds nothing (as in every store): it wins unless a live claim exists.
        return (await client.exists(redisKey)) === 0;
      }
      reply = await client.set(redisKey, claimJson(expiresAt, id), {
        condition: 'NX',
        expiration: { type: 'PX', value: ttl },
      });
    } catch (cause) {
      throw asStoreError('Redis could not record the claim', cause);
    }
    if (reply === null) return false;
    if (reply !== 'OK') throw new StoreError('Redis gave an unexpected answer to SET NX');
    if (this.replicas !== undefined) await this.replicas.confirm(redisKey);
    return true;
  }

  async release(key: string, expiresAt: number, id = ''): Promise<void> {
    checkExpiresAt(expiresAt);
    try {
      await this.usable();
      await this.commands!.eval(RELEASE_SCRIPT, {
        keys: [this.redisKey(key)],
        arguments: [claimJson(expiresAt, id), legacyClaimJson(expiresAt, id)],
      });
    } catch (cause) {
      throw asStoreError('Redis could not release the claim', cause);
    }
  }

  /**
   * Closes the store for good: every later claim and release is refused
   * (503) and it never reconnects. Closes the Redis client too when jwt-once
   * opened it from a URL; a store built on your own Keyv leaves the client to
   * you. Calling it again does nothing more.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.readiness?.close();
    if (!this.ownsClient) return;
    try {
      await this.opening;
    } catch {
      return;
    }
    const readiness = this.readiness!;
    await readiness.connected(this.commandTimeout); // a connection in flight is closed once it is made
    const raw = readiness.raw;
    try {
      if (raw.isOpen && raw.isReady === false)
        raw.destroy?.(); // reconnecting: nothing to wait for
      else if (raw.isOpen) await withTimeout(Promise.resolve(raw.close?.()), this.commandTimeout, 'Redis did not close');
    } catch {
      try {
        if (raw.isOpen) raw.destroy?.();
      } catch {
        // already closed
      }
    }
  }

  /**
   * Advisory read (see {@link ClaimStore.isClaimed}): whether the claim's key
   * exists. Redis expires it by the lifetime the claim set, so `now` is not
   * needed. Reserves nothing.
   */
  async isClaimed(key: string, _now?: number): Promise<boolean> {
    try {
      const client = await this.usable();
      return (await client.exists(this.redisKey(key))) === 1;
    } catch (cause) {
      throw asStoreError('Redis could not read the claim', cause);
    }
  }
}
