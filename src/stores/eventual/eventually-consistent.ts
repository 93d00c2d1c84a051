import { ConfigError } from '../../errors.js';

/**
 * Stores that can never keep the single-use promise, refused at creation
 * whatever `allowNonAtomicStore` says: their reads may miss a write made a
 * moment ago elsewhere, so a lock in one process cannot help.
 *
 * - A Cloudflare Workers KV namespace (`env.MY_KV`: `get`, `put`, `list`,
 *   `getWithMetadata`, no atomic operation), directly or inside a Keyv
 *   adapter (`@keyv/cloudflare-kv` and the like): writes reach other
 *   locations in about 60 s, and there is no compare-and-set.
 * - `@keyv/dynamo`: DynamoDB reads are eventually consistent unless asked
 *   otherwise, and the adapter does not ask (nor write conditionally).
 */

const SHAPE = ['get', 'put', 'list', 'getWithMetadata', 'delete'] as const;

/**
 * True when `value` has the shape of a Workers KV namespace and no atomic operation.
 * @example
 * isWorkersKvNamespace(env.MY_KV); // true: get, put, list, getWithMetadata, delete
 */
export function isWorkersKvNamespace(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  const methods = SHAPE.every((name) => typeof candidate[name] === 'function');
  const atomic = ['claim', 'atomic', 'transaction'].some((name) => typeof candidate[name] === 'function');
  return methods && !atomic;
}

const CLOUDFLARE_KV_NAME = /cloudflare.?kv|workers.?kv|kv.?namespace/i;

/** The kind of eventually consistent store a Keyv adapter is, or `undefined`. */
function adapterKind(adapter: unknown): 'Workers KV' | 'DynamoDB' | undefined {
  if (typeof adapter !== 'object' || adapter === null) return undefined;
  if (isWorkersKvNamespace(adapter)) return 'Workers KV';
  const record = adapter as { opts?: { dialect?: unknown }; constructor?: { name?: unknown } };
  const dialect = typeof record.opts?.dialect === 'string' ? record.opts.dialect : '';
  const name = typeof record.constructor?.name === 'string' ? record.constructor.name : '';
  if (CLOUDFLARE_KV_NAME.test(dialect) || CLOUDFLARE_KV_NAME.test(name)) return 'Workers KV';
  // A Workers KV binding kept on the adapter (this.namespace, this.kv, this.opts.kvNamespace, ...).
  const held = [...Object.values(record), ...(typeof record.opts === 'object' && record.opts !== null ? Object.values(record.opts) : [])];
  if (held.some(isWorkersKvNamespace)) return 'Workers KV';
  if (dialect === 'dynamo' || name === 'KeyvDynamo') return 'DynamoDB';
  return undefined;
}

const INSTEAD =
  'use a Durable Object (durableObjectStore(env.JWT_ONCE) from jwt-once/cloudflare) on Workers, or Redis (redis://host:port, @keyv/redis) or PostgreSQL elsewhere';

/**
 * Throws a {@link ConfigError} when `option` (the `store` option) is, or is a
 * Keyv over, a store known to be eventually consistent. Whatever
 * `allowNonAtomicStore` says.
 * @example
 * refuseEventuallyConsistent(env.MY_KV); // throws: a Workers KV namespace is eventually consistent
 */
export function refuseEventuallyConsistent(option: object): void {
  if (isWorkersKvNamespace(option)) {
    throw new ConfigError(
      'a Cloudflare Workers KV namespace cannot be a claim store: it is eventually consistent (a write reaches other ' +
        `locations in about 60 s) and has no compare-and-set, so a replay elsewhere would pass; ${INSTEAD}`,
    );
  }
  const store = (option as { store?: unknown; get?: unknown; opts?: unknown }).store;
  if (typeof (option as { get?: unknown }).get !== 'function' || typeof (option as { opts?: unknown }).opts !== 'object') return;
  const kind = adapterKind(store);
  if (kind === 'Workers KV') {
    throw new ConfigError(
      'this Keyv adapter keeps its entries in Cloudflare Workers KV, which is eventually consistent (a write reaches other ' +
        'locations in about 60 s) with no compare-and-set: no lock can make it single-use, allowNonAtomicStore included; ' +
        INSTEAD,
    );
  }
  if (kind === 'DynamoDB') {
    throw new ConfigError(
      '@keyv/dynamo reads DynamoDB with eventually consistent reads and writes without a condition: a replay can pass, ' +
        `allowNonAtomicStore included; ${INSTEAD}`,
    );
  }
}
