/** The Deno KV store, exported from the main entry (`jwt-once`). */
export { denoKvStore, type DenoKvClaimStore, type DenoKvStoreOptions } from './deno-kv-store.js';
export type { DenoKvAtomicLike, DenoKvEntryLike, DenoKvKey, DenoKvLike } from './deno-kv-types.js';
