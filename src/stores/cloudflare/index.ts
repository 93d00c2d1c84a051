/**
 * `jwt-once/cloudflare`: claims in Cloudflare Durable Objects.
 * @example
 * import { durableObjectStore } from 'jwt-once/cloudflare';
 * export { JwtOnceClaims } from 'jwt-once/cloudflare';
 */
export { JwtOnceClaims, SWEEP_LIMIT } from './claims-object.js';
export { durableObjectStore, type DurableObjectClaimStore, type DurableObjectStoreOptions } from './durable-object-store.js';
export type {
  DurableObjectNamespaceLike,
  DurableObjectResponseLike,
  DurableObjectStateLike,
  DurableObjectStorageLike,
  DurableObjectStubLike,
  DurableObjectTransactionLike,
} from './durable-object-types.js';
