import type Keyv from 'keyv';
import { ConfigError } from '../errors.js';
import { namedExport } from './optional-peer.js';

/**
 * Binds a store to a `Keyv` now, or once a promised one opens (URL stores load
 * their optional package lazily). A failed opening is reported by the first
 * claim, not as an unhandled rejection.
 *
 * @param keyv the Keyv, or a promise of it.
 * @param attach checks the Keyv and keeps what the store needs; may throw a ConfigError.
 * @returns the opened Keyv, for the store to await before its first command.
 * @example
 * this.opening = bindKeyv(keyv, (opened) => this.attach(opened)); // in a store's constructor
 */
export function bindKeyv(keyv: Keyv | Promise<Keyv>, attach: (keyv: Keyv) => void): Promise<Keyv> {
  if (!(keyv instanceof Promise)) {
    attach(keyv);
    return Promise.resolve(keyv);
  }
  const opening = keyv.then((opened) => {
    attach(opened);
    return opened;
  });
  opening.catch(() => undefined); // reported on the first claim
  return opening;
}

/**
 * Claims are written in Keyv's plain format; a compressing Keyv could not read them back.
 * @throws {ConfigError} naming the store, when `keyv` has `compression`.
 * @example
 * refuseCompression(keyv, 'SqliteClaimStore');
 */
export function refuseCompression(keyv: Keyv, storeName: string): void {
  if ((keyv.opts as { compression?: unknown }).compression !== undefined) {
    throw new ConfigError(`${storeName} cannot write claims through Keyv compression; use a Keyv without \`compression\``);
  }
}

/**
 * A Keyv 5 as the stores use it: `_getKeyPrefix(key)` builds the key Keyv
 * itself reads and writes (`namespace:key`), so a claim is where `keyv.get(key)` looks.
 * @example
 * (keyv as KeyvWithPrefix)._getKeyPrefix('k'); // 'jwt-once:k' for new Keyv({ namespace: 'jwt-once' })
 */
export type KeyvWithPrefix = Keyv & { _getKeyPrefix(key: string): string };

/** `new Keyv(adapter, options)`, as the URL openers call it. */
export type KeyvConstructor = new (store: unknown, options?: object) => Keyv;

/**
 * The `Keyv` class, loaded when a URL store first opens (ESM or CommonJS interop).
 * @example
 * const Keyv = await loadKeyv();
 * const keyv = new Keyv(adapter, { namespace: 'jwt-once' });
 */
export async function loadKeyv(): Promise<KeyvConstructor> {
  return namedExport<KeyvConstructor>(await import('keyv'), 'Keyv');
}
