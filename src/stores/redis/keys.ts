import type Keyv from 'keyv';
import { StoreError } from '../../errors.js';
import type { RedisCommandClient } from './client.js';

/** The part of a `@keyv/redis` adapter this store reads. */
export interface KeyvRedisAdapter {
  client: RedisCommandClient & { withCommandOptions(options: { timeout?: number }): RedisCommandClient };
  namespace: string | undefined;
  keyPrefixSeparator?: string;
  createKeyPrefix(key: string, namespace: string | undefined): string;
  opts?: { dialect?: string };
}

/**
 * True when `keyv`'s adapter is `@keyv/redis`. Checked by shape: the package is not loaded.
 *
 * @example
 * isKeyvRedisAdapter(new Keyv(new KeyvRedis(client)).store); // true
 */
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
 * Where claims live in Redis, captured once when the store attaches: the
 * Keyv's `namespace:` and the adapter's `namespace::` in front of every key,
 * as `keyv.get(key)` builds them.
 *
 * @example
 * new KeyLayout(new Keyv(adapter, { namespace: 'jwt-once' }), adapter).keyOf('k'); // 'jwt-once::jwt-once:k'
 */
export class KeyLayout {
  private readonly keyvNamespace: string | undefined;
  private readonly useKeyPrefix: boolean;
  private readonly adapterNamespace: string | undefined;
  private readonly separator: string | undefined;
  /** Keyv's part: `namespace:`, or '' when Keyv adds none. */
  private readonly inner: string;
  /** The adapter's part: `namespace::`, or ''. */
  private readonly outer: string;

  constructor(
    private readonly keyv: Keyv,
    private readonly adapter: KeyvRedisAdapter,
  ) {
    this.keyvNamespace = keyv.namespace;
    this.useKeyPrefix = keyv.useKeyPrefix;
    this.adapterNamespace = adapter.namespace;
    this.separator = adapter.keyPrefixSeparator;
    this.inner = this.useKeyPrefix && this.keyvNamespace ? `${this.keyvNamespace}:` : '';
    this.outer = this.adapterNamespace ? `${this.adapterNamespace}${this.separator ?? '::'}` : '';
  }

  /**
   * The Redis key of a claim of `key`; a StoreError (503) once the Keyv's or
   * the adapter's namespace differs from the one captured: claims are never
   * written to another replay domain.
   */
  keyOf(key: string): string {
    const { keyv, adapter } = this;
    if (
      keyv.namespace !== this.keyvNamespace ||
      adapter.namespace !== this.adapterNamespace ||
      keyv.useKeyPrefix !== this.useKeyPrefix ||
      adapter.keyPrefixSeparator !== this.separator
    ) {
      throw new StoreError(
        'The Redis claim store refuses claims: its Keyv namespace changed after it opened (another Keyv shares the adapter)',
      );
    }
    // Keyv does not prefix a key that already starts with its namespace.
    return this.inner === '' || key.startsWith(this.inner) ? this.outer + key : this.outer + this.inner + key;
  }
}
