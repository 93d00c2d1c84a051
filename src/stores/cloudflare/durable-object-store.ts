import { ConfigError, StoreError } from '../../errors.js';
import { checkNumber } from '../../option-checks.js';
import type { ClaimStore } from '../claim-store.js';
import { isWorkersKvNamespace } from '../eventual/eventually-consistent.js';
import { CLAIMS_URL, type ClaimsOperation } from './claims-protocol.js';
import type { DurableObjectNamespaceLike, DurableObjectStubLike } from './durable-object-types.js';
import { shardOf } from './shard.js';

/** Options of {@link durableObjectStore}. */
export interface DurableObjectStoreOptions {
  /**
   * How many `JwtOnceClaims` objects the claims are spread over, by replay
   * key (each object answers one request at a time, about 1,000 claims/s).
   * Fixed for the life of every token: changing it sends a key to another
   * object, which has never seen its claim, so a token claimed before the
   * change passes once more. Change it only when every token issued before
   * has expired (or with a new binding and a new class name).
   * @default 16
   */
  shards?: number;
  /**
   * Prefix of the object names (`<prefix><shard>`): two apps on one binding
   * with different prefixes never share claims.
   * @default 'jwt-once-claims-'
   */
  name?: string;
}

/** A {@link ClaimStore} on Durable Objects, as {@link durableObjectStore} returns it. */
export interface DurableObjectClaimStore extends ClaimStore {
  readonly shards: number;
  claim(key: string, expiresAt: number, now: number, id?: string): Promise<boolean>;
  release(key: string, expiresAt: number, id?: string): Promise<void>;
  isClaimed(key: string, now: number): Promise<boolean>;
}

function isNamespace(value: unknown): value is DurableObjectNamespaceLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DurableObjectNamespaceLike).idFromName === 'function' &&
    typeof (value as DurableObjectNamespaceLike).get === 'function'
  );
}

/**
 * Claims kept in Durable Objects of the `JwtOnceClaims` class: replay-safe on
 * Cloudflare Workers across isolates and locations, because every claim of a
 * key goes to the one object that owns its shard, which decides it in one
 * storage transaction. Claims survive restarts (durable storage); expired
 * ones are removed by the object's alarm.
 *
 * Any failure (the object unreachable, overloaded, a reset) rejects the
 * claim, which `claimToken` turns into a 503: never a pass.
 *
 * @param namespace the Durable Object binding of `JwtOnceClaims` (`env.JWT_ONCE`).
 * @throws {ConfigError} when `namespace` is not a Durable Object namespace (a Workers KV namespace is named
 *   as such), or `shards` is not a positive integer.
 * @example
 * import { Hono } from 'hono';
 * import { jwtOnce } from 'jwt-once/hono';
 * import { durableObjectStore } from 'jwt-once/cloudflare';
 * export { JwtOnceClaims } from 'jwt-once/cloudflare';
 *
 * const app = new Hono();
 * let once: ReturnType<typeof jwtOnce> | undefined; // made with the first request's bindings, kept for the isolate
 * app.post('/pay', (c, next) => {
 *   once ??= jwtOnce({ secret: c.env.JWT_SECRET, algorithms: ['HS256'], store: durableObjectStore(c.env.JWT_ONCE) });
 *   return once(c, next);
 * });
 * export default app;
 */
export function durableObjectStore(
  namespace: DurableObjectNamespaceLike,
  options: DurableObjectStoreOptions = {},
): DurableObjectClaimStore {
  if (isWorkersKvNamespace(namespace)) {
    throw new ConfigError(
      'durableObjectStore() was given a Workers KV namespace: KV is eventually consistent and cannot hold claims; ' +
        'bind the JwtOnceClaims Durable Object class and pass that binding (docs/stores/durable-objects.md)',
    );
  }
  if (!isNamespace(namespace)) {
    throw new ConfigError(
      'durableObjectStore() needs the Durable Object namespace binding of the JwtOnceClaims class (env.JWT_ONCE); ' +
        'see docs/stores/durable-objects.md',
    );
  }
  const shards = checkNumber('durableObjectStore shards', options.shards, 16, { min: 1, integer: true });
  const name = options.name ?? 'jwt-once-claims-';
  if (typeof name !== 'string') throw new ConfigError('durableObjectStore name must be a string');
  // Ids are cached; stubs are not: workerd binds a stub to the request that made it, and the store outlives requests.
  const ids = new Map<number, unknown>();
  const stubOf = (key: string): DurableObjectStubLike => {
    const shard = shardOf(key, shards);
    let id = ids.get(shard);
    if (id === undefined) {
      id = namespace.idFromName(`${name}${shard}`);
      ids.set(shard, id);
    }
    return namespace.get(id as never);
  };
  const send = async (operation: ClaimsOperation): Promise<boolean> => {
    let status: number;
    let body: unknown;
    try {
      const response = await stubOf(operation.key).fetch(CLAIMS_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(operation),
      });
      status = response.status;
      body = await response.json();
    } catch (err) {
      throw new StoreError('The Durable Object claims store did not answer; refusing rather than guessing', { cause: err });
    }
    const { ok, result } = (body ?? {}) as { ok?: unknown; result?: unknown };
    if (status !== 200 || ok !== true || typeof result !== 'boolean') {
      throw new StoreError(`The Durable Object claims store answered ${status} without a result; is JwtOnceClaims the bound class?`);
    }
    return result;
  };
  return {
    shards,
    claim: (key, expiresAt, now, id = '') => send({ op: 'claim', key, expiresAt, now, id }),
    release: async (key, expiresAt, id = '') => void (await send({ op: 'release', key, expiresAt, id })),
    isClaimed: (key, now) => send({ op: 'isClaimed', key, now }),
  };
}
