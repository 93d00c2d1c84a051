import { ConfigError } from '../errors.js';
import { isClaimStore, type ClaimStore } from './claim-store.js';
import { KeyvMapStore } from './keyv-map-store.js';
import { MemoryStore } from './memory-store.js';
import type Keyv from 'keyv';

/** What the `store` option accepts. */
export type StoreOption = ClaimStore | Keyv;

let defaultStore: MemoryStore | undefined;

/**
 * The process-wide memory store used by every call that names no store.
 * Created on first use.
 */
export function getDefaultStore(): MemoryStore {
  defaultStore ??= new MemoryStore();
  return defaultStore;
}

function isKeyv(value: object): value is Keyv {
  const candidate = value as Partial<Keyv> & { opts?: unknown };
  return (
    typeof candidate.get === 'function' &&
    typeof candidate.set === 'function' &&
    typeof candidate.opts === 'object' &&
    'store' in candidate
  );
}

const keyvStores = new WeakMap<object, ClaimStore>();

/**
 * Turns the `store` option into a {@link ClaimStore}, once, at creation.
 * Throws a {@link ConfigError} saying what to pass when it cannot.
 */
export function resolveStore(option: StoreOption | undefined): ClaimStore {
  if (option === undefined || option === null) return getDefaultStore();
  if (typeof option !== 'object') {
    throw new ConfigError('`store` must be a ClaimStore or a Keyv instance');
  }
  if (isClaimStore(option)) return option;
  if (isKeyv(option)) {
    let store = keyvStores.get(option);
    if (store === undefined) {
      if (!(option.store instanceof Map)) {
        throw new ConfigError(
          'this Keyv adapter has no atomic claim; pass a Map-backed Keyv (new Keyv()) or a ClaimStore',
        );
      }
      store = new KeyvMapStore(option);
      keyvStores.set(option, store);
    }
    return store;
  }
  throw new ConfigError('`store` must be a ClaimStore (claim and release methods) or a Keyv instance');
}
