import type Keyv from 'keyv';
import type { ClaimStore } from './claim-store.js';

/**
 * One storage backend as `resolveStore` and `openStore` dispatch to it: the
 * URL schemes it opens and the Keyv adapters it claims on. Each backend's
 * folder (`memory/`, `keyv/`, `sqlite/`, `redis/`, `postgres/`) exports one
 * from its `backend.ts`.
 *
 * @example
 * const memoryBackend: StoreBackend = { schemes: ['memory'], open: () => new MemoryStore() };
 */
export interface StoreBackend {
  /** URL schemes it opens, lower case, without `://` (e.g. `['redis', 'rediss']`). @default none */
  readonly schemes: readonly string[];
  /**
   * Opens the store `url` names; `scheme` is one of {@link schemes}, lower case.
   * @throws {ConfigError} for a malformed URL (the message never repeats a password).
   */
  open?(url: string, scheme: string): ClaimStore;
  /** The store for `keyv` when its adapter is this backend's; undefined for any other adapter. */
  fromKeyv?(keyv: Keyv): ClaimStore | undefined;
}
