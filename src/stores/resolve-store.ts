import { resolve as resolvePath } from 'node:path';
import { ConfigError } from '../errors.js';
import { isClaimStore, type ClaimStore } from './claim-store.js';
import { KeyvLockedStore } from './keyv-locked-store.js';
import { KeyvMapStore } from './keyv-map-store.js';
import { MemoryStore } from './memory-store.js';
import { loadPeer, namedExport } from './optional-peer.js';
import { requirePeers } from './peer-presence.js';
import { nameStore } from '../events/store-names.js';
import { isKeyvRedisAdapter, RedisClaimStore, type RedisClaimStoreOptions } from './redis-store.js';
import { isKeyvSqliteAdapter, SqliteClaimStore } from './sqlite-store.js';
import { refuseUnsupportedKeyv } from './keyv-version.js';
import { isKeyvPostgresAdapter, PostgresClaimStore } from './postgres-store.js';
import { openPostgresStore } from './postgres-url.js';
import { handleOpenFailure, type KeyvSqliteAdapter } from './sqlite-connection.js';
import { ensureDirectoryOf } from './sqlite-file.js';
import type Keyv from 'keyv';

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

function isKeyv(value: object): value is Keyv {
  const candidate = value as Partial<Keyv> & { opts?: unknown };
  return (
    typeof candidate.get === 'function' && typeof candidate.set === 'function' && typeof candidate.opts === 'object' && 'store' in candidate
  );
}

const keyvStores = new WeakMap<object, ClaimStore>();
const urlStores = new Map<string, ClaimStore>();

/** A store URL with any password and query removed, safe to put in a message. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return `${url.slice(0, url.indexOf(':') + 1)}//...`;
  }
}

type KeyvConstructor = new (store: unknown, options?: object) => Keyv;

async function loadKeyv(): Promise<KeyvConstructor> {
  return namedExport<KeyvConstructor>(await import('keyv'), 'Keyv');
}

async function openSqlite(url: string, path: string): Promise<Keyv> {
  const module = await loadPeer('@keyv/sqlite', url);
  const KeyvSqlite = namedExport<new (options: object) => KeyvSqliteAdapter>(module, 'KeyvSqlite');
  const Keyv = await loadKeyv();
  const file = path === ':memory:' ? path : resolvePath(path);
  // A missing directory is made (0700); one that cannot be is reported by the claim, which tries again.
  if (file !== ':memory:') {
    try {
      ensureDirectoryOf(file);
    } catch {
      // the open below fails and says so; the store opens the file again on the next claim
    }
  }
  const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 5000 });
  adapter.on?.('error', () => undefined); // failures surface as rejected claims
  handleOpenFailure(adapter); // never an unhandled rejection, even for a moment
  const keyv = new Keyv(adapter, { namespace: 'jwt-once' });
  keyv.on('error', () => undefined);
  return keyv;
}

async function openRedis(url: string, redacted: string): Promise<Keyv> {
  const module = await loadPeer('@keyv/redis', redacted);
  const KeyvRedis = namedExport<new (client: unknown, options?: object) => unknown>(module, 'KeyvRedis');
  const createClient = (module as unknown as { createClient: (options: object) => { on(e: string, f: () => void): void } }).createClient;
  const Keyv = await loadKeyv();
  const client = createClient({
    url,
    disableOfflineQueue: true, // an outage is refused at once, not queued
    socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000) },
  });
  client.on('error', () => undefined); // failures surface as rejected claims
  const keyv = new Keyv(new KeyvRedis(client), { namespace: 'jwt-once' });
  keyv.on('error', () => undefined);
  return keyv;
}

/**
 * `?waitForReplicas=1&replicaTimeout=100&safetyCheckInterval=10000&allowEvictingRedis=true` of a redis:// URL;
 * out-of-range values are refused by the store.
 */
function redisUrlOptions(params: URLSearchParams): RedisClaimStoreOptions {
  const options: RedisClaimStoreOptions = {};
  const number = (name: 'waitForReplicas' | 'replicaTimeout' | 'safetyCheckInterval'): void => {
    const value = params.get(name);
    if (value !== null) options[name] = value.trim() === '' ? Number.NaN : Number(value);
  };
  number('waitForReplicas');
  number('replicaTimeout');
  number('safetyCheckInterval');
  const allow = params.get('allowEvictingRedis');
  if (allow !== null) {
    if (allow !== 'true' && allow !== 'false') throw new ConfigError('allowEvictingRedis in a redis:// URL must be true or false');
    options.allowEvictingRedis = allow === 'true';
  }
  return options;
}

/**
 * Opens the store a URL names, once per process: the same URL string gives
 * the same store, so `claimToken(t, { store: process.env.JWT_ONCE_STORE })`
 * on every request shares one connection. The optional packages
 * (`@keyv/sqlite`, `@keyv/redis`, `@keyv/postgres` and `pg`) must be
 * installed: a missing one is a {@link ConfigError} here, when the middleware
 * or claimer is created, naming what to install.
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
 * @throws {ConfigError} for an unknown scheme, a malformed URL or a missing optional package (the message never repeats a password).
 * @example
 * import { openStore } from 'jwt-once';
 * const store = openStore(process.env.JWT_ONCE_STORE ?? 'sqlite://var/jwt-once.db');
 * await store.ready?.(); // optional: fail fast at start-up
 */
export function openStore(url: string): ClaimStore & { ready?(): Promise<void> } {
  const cached = urlStores.get(url);
  if (cached !== undefined) return cached as ClaimStore & { ready?(): Promise<void> };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  let store: ClaimStore;
  if (scheme === 'memory') {
    store = new MemoryStore();
  } else if (scheme === 'sqlite') {
    const path = url.slice('sqlite://'.length).split('?')[0]!;
    if (path === '') throw new ConfigError('a sqlite:// store URL needs a file path, e.g. sqlite://var/jwt-once.db');
    requirePeers(['@keyv/sqlite'], 'sqlite');
    store = new SqliteClaimStore(openSqlite(url, decodeURIComponent(path)), { createDirectory: true }, true);
  } else if (scheme === 'redis' || scheme === 'rediss') {
    const redacted = describeUrl(url);
    let parsed: URL;
    try {
      parsed = new URL(url);
      if (parsed.hostname === '') throw new Error('no host');
    } catch {
      throw new ConfigError(`the ${scheme}:// store URL is malformed; expected ${scheme}://[user:pass@]host:port[/db]`);
    }
    requirePeers(['@keyv/redis'], scheme);
    store = new RedisClaimStore(openRedis(url, redacted), redisUrlOptions(parsed.searchParams), true);
  } else if (scheme === 'postgres' || scheme === 'postgresql') {
    store = openPostgresStore(url);
  } else {
    throw new ConfigError(
      `unknown store URL scheme${scheme === undefined ? '' : ` "${scheme}://"`}; use memory://, sqlite://path.db, postgres://host/db, redis://host:port or rediss://host:port`,
    );
  }
  urlStores.set(url, store);
  nameStore(store, describeUrl(url));
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
 * - a Keyv on `@keyv/redis`: {@link RedisClaimStore}; on `@keyv/sqlite`: {@link SqliteClaimStore}; on `@keyv/postgres`: {@link PostgresClaimStore};
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
      const adapter: unknown = option.store;
      if (adapter instanceof Map) store = new KeyvMapStore(option);
      else if (isKeyvRedisAdapter(adapter)) store = new RedisClaimStore(option);
      else if (isKeyvSqliteAdapter(adapter)) store = new SqliteClaimStore(option);
      else if (isKeyvPostgresAdapter(adapter)) store = new PostgresClaimStore(option);
      else if (options.allowNonAtomicStore === true) store = new KeyvLockedStore(option);
      else {
        throw new ConfigError(
          'this Keyv adapter has no atomic claim; use new Keyv() (one process), @keyv/sqlite (one machine), ' +
            '@keyv/redis or @keyv/postgres (a fleet) or a ClaimStore, or set allowNonAtomicStore: true to accept a per-process lock (safe within one process only)',
        );
      }
      keyvStores.set(option, store);
    }
    return store;
  }
  throw new ConfigError('`store` must be a ClaimStore (claim and release methods), a Keyv instance or a store URL');
}
