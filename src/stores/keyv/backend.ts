import type Keyv from 'keyv';
import type { StoreBackend } from '../store-backend.js';
import { KeyvMapStore } from './map-store.js';

/**
 * True when `value` is a Keyv instance (any adapter): `get`, `set`, `opts` and `store`.
 * @example
 * isKeyv(new Keyv()); // true
 * isKeyv(new MemoryStore()); // false
 */
export function isKeyv(value: object): value is Keyv {
  const candidate = value as Partial<Keyv> & { opts?: unknown };
  return (
    typeof candidate.get === 'function' && typeof candidate.set === 'function' && typeof candidate.opts === 'object' && 'store' in candidate
  );
}

/**
 * A plain `new Keyv()` (its adapter a `Map`): a {@link KeyvMapStore}. No URL
 * scheme (`memory://` is a {@link MemoryStore}). Other adapters without an
 * atomic claim go to `KeyvLockedStore`, only with `allowNonAtomicStore`.
 *
 * @example
 * keyvMapBackend.fromKeyv!(new Keyv()); // a KeyvMapStore
 */
export const keyvMapBackend: StoreBackend = {
  schemes: [],
  fromKeyv: (keyv) => (keyv.store instanceof Map ? new KeyvMapStore(keyv) : undefined),
};
