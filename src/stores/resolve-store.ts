import type Keyv from 'keyv';
import { ConfigError } from '../errors.js';
import { isClaimStore, type ClaimStore } from './claim-store.js';
import { isKeyv, keyvMapBackend } from './keyv/backend.js';
import { KeyvLockedStore } from './keyv/locked-store.js';
import { refuseUnsupportedKeyv } from './keyv/version.js';
import { memoryBackend } from './memory/backend.js';
import { MemoryStore } from './memory/memory-store.js';
import { postgresBackend } from './postgres/backend.js';
import { redisBackend } from './redis/backend.js';
import { sqliteBackend } from './sqlite/backend.js';
import type { StoreBackend } from './store-backend.js';

/**
 * The backends, in the order a Keyv's adapter is matched: each opens its URL
 * schemes and claims on its Keyv adapters (see its folder's `backend.ts`).
 */
const BACKENDS: readonly StoreBackend[] = [memoryBackend, keyvMapBackend, redisBackend, sqliteBackend, postgresBackend];

/**
 * What the `store` option accepts: a {@link ClaimStore}, a `Keyv` instance
 * (Map, `@keyv/redis` or `@keyv/sqlite`), or a store URL (`memory://`,
 * `sqlite://path.db`, `redis://[user:pass@]host:port[/db]`, `rediss://...`).
 */
export type StoreOption = ClaimStore | Keyv | string;

/** How {@link resolveStore} treats Keyv adapters it cannot claim on atomically. */
export interface ResolveStoreOptions {
  /**
   * Accept any other Keyv adapter through a get-then-set guarded by a
   * per-process lock: safe within one process only (two processes can both
   * win a token). @default false
   */
  allowNonAtomicStore?: boolean;
}

let defaultStore: MemoryStore | undefined;

/**
 * The process-wide memory store used by every call that names no store.
 * Created on first use.
 *
 * @example
 * import { getDefaultStore } from 'jwt-once';
 * getDefaultStore().sweep(); // drop expired claims now
 */
export function getDefaultStore(): MemoryStore {
  defaultStore ??= new MemoryStore();
  return defaultStore;
}

const keyvStores = new WeakMap<object, ClaimStore>();
const urlStores = new Map<string, ClaimStore>();

/**
 * Opens the store a URL names, once per process: the same URL string gives
 * the same store, so `claimToken(t, { store: process.env.JWT_ONCE_STORE })`
 * on every request shares one connection. The optional packages
 * (`@keyv/sqlite`, `@keyv/redis`) are loaded when the first claim needs them;
 * a missing one fails that claim (503) with a message naming the package, or
 * fails `await store.ready()` at start-up.
 *
 * - `memory://`: a new {@link MemoryStore} (one process).
 * - `sqlite://relative/path.db`, `sqlite:///absolute/path.db`: a
 *   {@link SqliteClaimStore} (every process on the machine), Keyv namespace `jwt-once`;
 *   missing directories are created (mode 0700).
 * - `postgres://[user[:pass]@]host[:port]/db[?table=&schema=]`, `postgresql://...`:
 *   a {@link PostgresClaimStore} (a fleet, durable), Keyv namespace `jwt-once`, a pool of its own.
 * - `redis://[user:pass@]host:port[/db]`, `rediss://...`: a {@link RedisClaimStore}
 *   (a fleet), Keyv namespace `jwt-once`, no offline queue, 1 s command and connect timeouts.
 *   Query parameters: `waitForReplicas`, `replicaTimeout` (ms), `safetyCheckInterval` (ms) and `allowEvictingRedis`
 *   (`true`/`false`), as the {@link RedisClaimStoreOptions} of the same names.
 *
 * Close them with {@link closeStores}.
 *
 * @throws {ConfigError} for an unknown scheme or a malformed URL (the message never repeats a password).
 * @example
 * import { openStore } from 'jwt-once';
 * const store = openStore(process.env.JWT_ONCE_STORE ?? 'sqlite://var/jwt-once.db');
 * await store.ready?.(); // optional: fail fast at start-up
 */
export function openStore(url: string): ClaimStore & { ready?(): Promise<void> } {
  const cached = urlStores.get(url);
  if (cached !== undefined) return cached as ClaimStore & { ready?(): Promise<void> };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const backend = scheme === undefined ? undefined : BACKENDS.find((b) => b.schemes.includes(scheme));
  if (backend?.open === undefined) {
    throw new ConfigError(
      `unknown store URL scheme${scheme === undefined ? '' : ` "${scheme}://"`}; ` +
        'use memory://, sqlite://path.db, postgres://host/db, redis://host:port or rediss://host:port',
    );
  }
  const store = backend.open(url, scheme!);
  urlStores.set(url, store);
  return store;
}

/**
 * Closes every store jwt-once opened itself from a URL (connections, timers).
 * A closed store refuses every claim with a `StoreError` (503) and never
 * opens again, so requests still draining after `server.close()` (keep-alive
 * connections) cannot replay a token; claimers made before keep that closed
 * store. Stores and Keyv instances you passed are left to you. Calling it
 * again closes what was opened since; nothing stays open.
 *
 * - `memory://` stays closed for the rest of the process: opened again it
 *   would start empty and accept every token already used.
 * - `sqlite://` and `redis://` URLs are forgotten: a claimer made later opens
 *   them again (their claims are in the file or the server).
 *
 * Shutdown order: stop accepting (`server.close()`), wait for the requests in
 * flight, then `closeStores()`.
 *
 * @example
 * import { closeStores } from 'jwt-once';
 * process.on('SIGTERM', () => server.close(() => void closeStores()));
 */
export async function closeStores(): Promise<void> {
  const stores = [...urlStores.entries()];
  for (const [url, store] of stores) if (!(store instanceof MemoryStore)) urlStores.delete(url);
  await Promise.allSettled(stores.map(async ([, store]) => store.close?.()));
}

/**
 * Turns the `store` option into a {@link ClaimStore}, once, at creation.
 * Throws a {@link ConfigError} saying what to pass when it cannot.
 *
 * - a `ClaimStore`: used as is;
 * - `new Keyv()` (Map): {@link KeyvMapStore};
 * - a Keyv on `@keyv/redis`: {@link RedisClaimStore}; on `@keyv/sqlite`: {@link SqliteClaimStore};
 *   on `@keyv/postgres`: {@link PostgresClaimStore};
 * - a Keyv 6 instance or adapter: refused, naming the supported versions;
 * - any other Keyv adapter: refused, unless `allowNonAtomicStore: true` ({@link KeyvLockedStore}, one process only);
 * - a string: {@link openStore}.
 *
 * @param option the `store` option. @default the process-wide {@link MemoryStore}
 * @example
 * import { resolveStore } from 'jwt-once';
 * const store = resolveStore('sqlite://var/jwt-once.db');
 */
export function resolveStore(option: StoreOption | undefined, options: ResolveStoreOptions = {}): ClaimStore {
  if (option === undefined || option === null) return getDefaultStore();
  if (typeof option === 'string') return openStore(option);
  if (typeof option !== 'object') {
    throw new ConfigError('`store` must be a ClaimStore, a Keyv instance or a store URL');
  }
  if (isClaimStore(option)) return option;
  refuseUnsupportedKeyv(option);
  if (isKeyv(option)) {
    let store = keyvStores.get(option);
    if (store instanceof KeyvLockedStore && options.allowNonAtomicStore !== true) store = undefined;
    if (store === undefined) {
      for (const backend of BACKENDS) {
        store ??= backend.fromKeyv?.(option);
      }
      if (store === undefined && options.allowNonAtomicStore === true) store = new KeyvLockedStore(option);
      if (store === undefined) {
        throw new ConfigError(
          'this Keyv adapter has no atomic claim; use new Keyv() (one process), @keyv/sqlite (one machine), ' +
            '@keyv/redis or @keyv/postgres (a fleet) or a ClaimStore, ' +
            'or set allowNonAtomicStore: true to accept a per-process lock (safe within one process only)',
        );
      }
      keyvStores.set(option, store);
    }
    return store;
  }
  throw new ConfigError('`store` must be a ClaimStore (claim and release methods), a Keyv instance or a store URL');
}
