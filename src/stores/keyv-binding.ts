import type Keyv from 'keyv';
import { ConfigError } from '../errors.js';

/**
 * Binds a store to a `Keyv` now, or once a promised one opens (URL stores load
 * their optional package lazily). A failed opening is reported by the first
 * claim, not as an unhandled rejection.
 *
 * @param keyv the Keyv, or a promise of it.
 * @param attach checks the Keyv and keeps what the store needs; may throw a ConfigError.
 * @returns the opened Keyv, for the store to await before its first command.
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

/** Claims are written in Keyv's plain format; a compressing Keyv could not read them back. */
export function refuseCompression(keyv: Keyv, storeName: string): void {
  if ((keyv.opts as { compression?: unknown }).compression !== undefined) {
    throw new ConfigError(`${storeName} cannot write claims through Keyv compression; use a Keyv without \`compression\``);
  }
}
