import type Keyv from 'keyv';
import { ConfigError } from '../../errors.js';
import { loadKeyv } from '../keyv-binding.js';
import { loadPeer, namedExport } from '../optional-peer.js';
import type { StoreBackend } from '../store-backend.js';
import { isKeyvRedisAdapter } from './keys.js';
import type { RedisClaimStoreOptions } from './options.js';
import { RedisClaimStore } from './redis-store.js';

/** A store URL with any password and query removed, safe to put in a message. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return `${url.slice(0, url.indexOf(':') + 1)}//...`;
  }
}

/** Opens a Keyv on `@keyv/redis` for a `redis://` URL store: no offline queue, 1 s connect timeout, namespace `jwt-once`. */
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
 * `redis://[user:pass@]host:port[/db]`, `rediss://...`: a {@link RedisClaimStore}
 * (a fleet) with the URL's query options; and a Keyv on `@keyv/redis`.
 *
 * @example
 * redisBackend.open!('redis://127.0.0.1:6379?waitForReplicas=1', 'redis'); // a RedisClaimStore
 */
export const redisBackend: StoreBackend = {
  schemes: ['redis', 'rediss'],
  open(url, scheme) {
    const redacted = describeUrl(url);
    let parsed: URL;
    try {
      parsed = new URL(url);
      if (parsed.hostname === '') throw new Error('no host');
    } catch {
      throw new ConfigError(`the ${scheme}:// store URL is malformed; expected ${scheme}://[user:pass@]host:port[/db]`);
    }
    return new RedisClaimStore(openRedis(url, redacted), redisUrlOptions(parsed.searchParams), true);
  },
  fromKeyv: (keyv) => (isKeyvRedisAdapter(keyv.store) ? new RedisClaimStore(keyv) : undefined),
};
