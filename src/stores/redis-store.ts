import type Keyv from 'keyv';
import { ConfigError, StoreError } from '../errors.js';
import type { ClaimStore } from './claim-store.js';
import { bindKeyv, refuseCompression } from './keyv-binding.js';
import { checkNumber } from '../option-checks.js';

/**
 * The part of a node-redis client (`createClient`) or cluster client
 * (`createCluster`) this store uses. Both route a one-key command to the node
 * that owns the key.
 */
export interface RedisCommandClient {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  withCommandOptions(options: { timeout?: number }): RedisCommandClient;
  set(key: string, value: string, options: object): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  exists(key: string): Promise<number>;
  close?(): Promise<unknown>;
  destroy?(): unknown;
}

/** The part of a `@keyv/redis` adapter this store reads. */
interface KeyvRedisAdapter {
  client: RedisCommandClient;
  namespace: string | undefined;
  createKeyPrefix(key: string, namespace: string | undefined): string;
  opts?: { dialect?: string };
}

type KeyvWithPrefix = Keyv & { _getKeyPrefix(key: string): string };

/** Options of {@link RedisClaimStore}. */
export interface RedisClaimStoreOptions {
  /**
   * Most ms a release may take, and (re)connecting before any command; past
   * it the call is rejected (a store error, 503). A claim carries no timer of
   * its own: `claimToken` bounds it by `storeTimeout` and releases a win that
   * arrives later, so a slow reply never passes and never spends the token.
   * @default 1000
   */
  commandTimeout?: number;
}

/** True when `keyv`'s adapter is `@keyv/redis`. Checked by shape: the package is not loaded. */
export function isKeyvRedisAdapter(adapter: unknown): boolean {
  const a = adapter as Partial<KeyvRedisAdapter> | null | undefined;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.createKeyPrefix === 'function' &&
    typeof a.client === 'object' &&
    a.client !== null &&
    a.opts?.dialect === 'redis'
  );
}

// Compare-and-delete in one step: only the claim holding this exact value goes.
const RELEASE_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** Keyv's stored shape, as its default serializer writes it. */
export function keyvValue(expiresAt: number): string {
  // Same text as JSON.stringify({ value, expires }) for the integer ms it is given.
  return `{"value":${expiresAt},"expires":${expiresAt}}`;
}

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
 *   lifetime is sent relative to the caller's clock, the clock the token was
 *   verified with: a Redis server whose clock is ahead of the application's
 *   cannot expire a claim while the application still accepts the token (an
 *   absolute `PXAT` would).
 * - **Format:** the key is Keyv's (`namespace::key` as `@keyv/redis` builds it)
 *   and the value is Keyv's `{"value":expiresAt,"expires":expiresAt}`, so
 *   `keyv.get(key)` reads a claim.
 * - **Release:** compare-and-delete in one Lua `EVAL` on that key.
 * - **Fails closed:** `claimToken` bounds every claim by its `storeTimeout`
 *   (one timer per claim, not two) and releases a win that arrives late;
 *   releases and (re)connecting carry `commandTimeout` (default 1000 ms).
 *   A dead or unreachable Redis rejects (503), never answers `true`.
 *   Give the client `disableOfflineQueue: true` so an outage is refused at once
 *   rather than at the timeout (URL stores opened by jwt-once do). Calling
 *   `claim()` yourself, bound it the same way.
 * - **Cluster:** every command touches one key, so a `createCluster` client
 *   works as is.
 *
 * A release that times out after Redis applied it is harmless; one that
 * never reached Redis leaves the token spent (closed, never open).
 *
 * @example
 * import Keyv from 'keyv';
 * import KeyvRedis from '@keyv/redis';
 * import { RedisClaimStore, claimToken } from 'jwt-once';
 * const keyv = new Keyv(new KeyvRedis('redis://127.0.0.1:6379'), { namespace: 'jwt-once' });
 * const store = new RedisClaimStore(keyv); // or pass `store: keyv` to claimToken
 * await claimToken(token, { secret, algorithms: ['HS256'], store });
 */
export class RedisClaimStore implements ClaimStore {
  /** The command timeout in force, in ms. */
  readonly commandTimeout: number;
  private readonly opening: Promise<Keyv>;
  private keyv: KeyvWithPrefix | undefined;
  private adapter: KeyvRedisAdapter | undefined;
  private commands: RedisCommandClient | undefined;
  private connecting: Promise<void> | undefined;
  private readonly ownsClient: boolean;

  /**
   * @param keyv a `Keyv` whose adapter is `@keyv/redis`, or a promise of one
   *   (jwt-once opens URL stores that way, loading `@keyv/redis` lazily).
   * @param options see {@link RedisClaimStoreOptions}.
   * @param owned internal: close the client on {@link close} (stores opened from a URL).
   * @throws {ConfigError} when `keyv` is not backed by `@keyv/redis`.
   */
  constructor(keyv: Keyv | Promise<Keyv>, options: RedisClaimStoreOptions = {}, owned = false) {
    this.commandTimeout = checkNumber('RedisClaimStore commandTimeout', options.commandTimeout, 1000, { min: 1, unit: 'ms' });
    this.ownsClient = owned;
    this.opening = bindKeyv(keyv, (opened) => this.attach(opened));
  }

  private attach(keyv: Keyv): void {
    if (!isKeyvRedisAdapter(keyv.store)) {
      throw new ConfigError('RedisClaimStore needs a Keyv whose adapter is @keyv/redis');
    }
    refuseCompression(keyv, 'RedisClaimStore');
    this.keyv = keyv as KeyvWithPrefix;
    this.adapter = keyv.store as KeyvRedisAdapter;
    this.commands = this.adapter.client.withCommandOptions({ timeout: this.commandTimeout });
  }

  /**
   * Resolves once the store is usable: `@keyv/redis` loaded (URL stores) and
   * the client connected. Optional: the first claim does the same. Await it at
   * start-up to fail fast on a missing package or an unreachable Redis.
   */
  async ready(): Promise<void> {
    await this.client();
  }

  /** The Redis key a claim of `key` lives under: Keyv's prefix, then the adapter's `namespace::`. */
  redisKey(key: string): string {
    const adapter = this.adapter;
    if (adapter === undefined || this.keyv === undefined) throw new StoreError('The Redis claim store is not open yet');
    return adapter.createKeyPrefix(this.keyv._getKeyPrefix(key), adapter.namespace);
  }

  /** The client, connected: `bounded` gives the one whose commands carry `commandTimeout`. */
  private async client(bounded = true): Promise<RedisCommandClient> {
    await this.opening;
    const raw = this.adapter!.client;
    if (!raw.isOpen) {
      this.connecting ??= raw
        .connect()
        .then(() => undefined)
        .finally(() => {
          this.connecting = undefined;
        });
      await withTimeout(this.connecting, this.commandTimeout, 'Redis did not connect');
    }
    return bounded ? this.commands! : raw;
  }

  async claim(key: string, expiresAt: number, now: number = Date.now()): Promise<boolean> {
    checkExpiresAt(expiresAt);
    if (!Number.isFinite(now)) throw new StoreError('The claim time must be a finite number of epoch ms');
    const ttl = Math.ceil(expiresAt - now);
    let reply: unknown;
    try {
      // Hot path: no await before the command once connected.
      const open = this.adapter?.client;
      const client = open !== undefined && open.isOpen ? open : await this.client(false);
      if (ttl <= 0) {
        // A claim already over holds nothing (as in every store): it wins unless a live claim exists.
        return (await client.exists(this.redisKey(key))) === 0;
      }
      reply = await client.set(this.redisKey(key), keyvValue(expiresAt), {
        condition: 'NX',
        expiration: { type: 'PX', value: ttl },
      });
    } catch (cause) {
      throw asStoreError('Redis could not record the claim', cause);
    }
    if (reply === 'OK') return true;
    if (reply === null) return false;
    throw new StoreError('Redis gave an unexpected answer to SET NX');
  }

  async release(key: string, expiresAt: number): Promise<void> {
    checkExpiresAt(expiresAt);
    try {
      const client = await this.client();
      await client.eval(RELEASE_SCRIPT, { keys: [this.redisKey(key)], arguments: [keyvValue(expiresAt)] });
    } catch (cause) {
      throw asStoreError('Redis could not release the claim', cause);
    }
  }

  /**
   * Closes the Redis client when jwt-once opened it from a URL; a store built
   * on your own Keyv leaves the client to you.
   */
  async close(): Promise<void> {
    if (!this.ownsClient) return;
    let keyv: Keyv;
    try {
      keyv = await this.opening;
    } catch {
      return;
    }
    const raw = (keyv.store as KeyvRedisAdapter).client;
    if (raw.isOpen && (raw as { isReady?: boolean }).isReady === false) {
      raw.destroy?.(); // reconnecting: nothing to wait for
    } else if (raw.isOpen) {
      try {
        await withTimeout(Promise.resolve(raw.close?.()), this.commandTimeout, 'Redis did not close');
      } catch {
        raw.destroy?.();
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
      const client = await this.client();
      return (await client.exists(this.redisKey(key))) === 1;
    } catch (cause) {
      throw asStoreError('Redis could not read the claim', cause);
    }
  }
}

function asStoreError(what: string, cause: unknown): StoreError {
  return cause instanceof StoreError ? cause : new StoreError(what, { cause });
}

/** `promise`, or a StoreError after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreError(`${what} within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (cause: unknown) => {
        clearTimeout(timer);
        reject(new StoreError(`${what}`, { cause }));
      },
    );
  });
}
