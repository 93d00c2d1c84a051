import type Keyv from 'keyv';
import { StoreError } from '../errors.js';
import type { RedisCommandClient } from './redis-link.js';

/** The part of a `@keyv/redis` adapter this store reads. */
export interface KeyvRedisAdapter {
  client: RedisCommandClient & { withCommandOptions(options: { timeout?: number }): RedisCommandClient };
  namespace: string | undefined;
  keyPrefixSeparator?: string;
  createKeyPrefix(key: string, namespace: string | undefined): string;
  opts?: { dialect?: string };
}

/** True when `keyv`'s adapter is `@keyv/redis`. Checked by shape: the package is not loaded. */
export function isKeyvRedisAdapter(adapter: unknown): boolean {
  const a = adapter as Partial<KeyvRedisAdapter> | null | undefined;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.createKeyPrefix === 'function' &&
    typeof a.client === 'object' &&
    a.client !== null &&
    a.opts?.dialect === 'redis'
  );
}

/**
 * Keyv's stored shape, as its default serializer writes it, plus the claim's
 * id: `{"value":expiresAt,"expires":expiresAt,"id":"..."}`. Keyv reads
 * `value` and `expires` and ignores `id`, so `keyv.get(key)` still gives
 * `expiresAt`. A claim made without an id is written exactly as Keyv would
 * (`{"value":expiresAt,"expires":expiresAt}`).
 */
export function keyvValue(expiresAt: number, id = ''): string {
  // Same text as JSON.stringify({ value, expires, id }) for the integer ms it is given.
  return id === ''
    ? `{"value":${expiresAt},"expires":${expiresAt}}`
    : `{"value":${expiresAt},"expires":${expiresAt},"id":${JSON.stringify(id)}}`;
}


/** Where claims live in Redis, captured once when the store attaches. */
export interface KeyLayout {
  keyvNamespace: string | undefined;
  useKeyPrefix: boolean;
  adapterNamespace: string | undefined;
  separator: string | undefined;
}

export function layoutOf(keyv: Keyv, adapter: KeyvRedisAdapter): KeyLayout {
  return {
    keyvNamespace: keyv.namespace,
    useKeyPrefix: keyv.useKeyPrefix,
    adapterNamespace: adapter.namespace,
    separator: adapter.keyPrefixSeparator,
  };
}

export function sameLayout(a: KeyLayout, b: KeyLayout): boolean {
  return a.keyvNamespace === b.keyvNamespace && a.useKeyPrefix === b.useKeyPrefix && a.adapterNamespace === b.adapterNamespace && a.separator === b.separator;
}


/**
 * The Redis key of a claim of `key` under `layout`, as `keyv.get(key)` reads
 * it: Keyv's `namespace:` (unless the key already starts with it), then the
 * adapter's `namespace::`.
 */
export function keyUnder(layout: KeyLayout, key: string): string {
  const { keyvNamespace: ns, useKeyPrefix, adapterNamespace, separator } = layout;
  const inner = !useKeyPrefix || !ns || key.startsWith(`${ns}:`) ? key : `${ns}:${key}`;
  return adapterNamespace ? `${adapterNamespace}${separator ?? '::'}${inner}` : inner;
}

/** `keyUnder` the layout captured at attach, refused (503) once the live layout differs from it. */
export function claimKey(captured: KeyLayout, keyv: Keyv, adapter: KeyvRedisAdapter, key: string): string {
  if (!sameLayout(captured, layoutOf(keyv, adapter))) {
    throw new StoreError('The Redis claim store refuses claims: its Keyv namespace changed after it opened (another Keyv shares the adapter)');
  }
  return keyUnder(captured, key);
}
