import { ConfigError } from '../../errors.js';

/** The Keyv versions jwt-once claims through, named in every refusal. */
const SUPPORTED_KEYV = 'keyv 5.6+ with @keyv/redis 5, @keyv/sqlite 4 or @keyv/postgres 2 (or new Keyv() on a Map)';

interface KeyvLike {
  get?: unknown;
  set?: unknown;
  delete?: unknown;
  opts?: unknown;
  _getKeyPrefix?: unknown;
  store?: unknown;
}

/** A Keyv of any version, or a storage adapter: get, set and delete methods. */
function hasKeyvMethods(value: KeyvLike): boolean {
  return typeof value.get === 'function' && typeof value.set === 'function' && typeof value.delete === 'function';
}

/**
 * The Keyv 6 storage contract: its adapters (keyv 6's own, and the
 * `@keyv/*` 6 releases) declare `capabilities`. They keep claims in another
 * layout (`namespace` and `expires` columns, `namespace::key` prefixes).
 */
function isKeyv6Adapter(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof Map) && 'capabilities' in value;
}

/**
 * Refuses, at creation, a Keyv or an adapter jwt-once does not know how to
 * claim on: a Keyv 6 instance (no `opts`, no `_getKeyPrefix`), a Keyv 5 over a
 * Keyv 6 adapter, or a Keyv 6 adapter passed as `store`. Claiming through them
 * would write under another key or table layout than Keyv reads, so the
 * store could pass a replay. Anything that is not Keyv-shaped is left alone.
 *
 * @throws {ConfigError} naming the supported versions.
 * @example
 * refuseUnsupportedKeyv(new Keyv6()); // ConfigError: ... supports keyv 5.6+ ...
 */
export function refuseUnsupportedKeyv(value: object): void {
  const candidate = value as KeyvLike;
  if (!hasKeyvMethods(candidate)) return;
  if (isKeyv6Adapter(candidate)) {
    throw new ConfigError(`\`store\` is a Keyv 6 storage adapter; jwt-once supports ${SUPPORTED_KEYV}`);
  }
  if (!('store' in candidate)) return; // not a Keyv: resolveStore says what to pass
  if (typeof candidate.opts !== 'object' || typeof candidate._getKeyPrefix !== 'function') {
    throw new ConfigError(`\`store\` is a Keyv this version of jwt-once cannot claim on (Keyv 6 or later?); it supports ${SUPPORTED_KEYV}`);
  }
  if (isKeyv6Adapter(candidate.store)) {
    throw new ConfigError(`\`store\` is a Keyv over a Keyv 6 storage adapter; jwt-once supports ${SUPPORTED_KEYV}`);
  }
}
