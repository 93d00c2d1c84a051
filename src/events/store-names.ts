/** The redacted URL of each store jwt-once opened from a URL. */
const names = new WeakMap<object, string>();

/**
 * Remembers what a store opened from a URL is called in the server log: the
 * URL without password and query (`redis://10.0.0.5:6379/2`). Never sent to a client.
 *
 * @example
 * nameStore(store, 'redis://10.0.0.5:6379/2');
 */
export function nameStore(store: object, redacted: string): void {
  names.set(store, redacted);
}

/**
 * The name {@link nameStore} gave `store`, or `undefined` for a store passed as an object.
 *
 * @example
 * storeName(openStore('redis://:pw@10.0.0.5:6379/2')); // 'redis://10.0.0.5:6379/2'
 */
export function storeName(store: object): string | undefined {
  return names.get(store);
}

/**
 * A store URL with any password and query removed, as the server log names it.
 *
 * @example
 * redactedUrl('redis://:pw@10.0.0.5:6379/2?waitForReplicas=1'); // 'redis://10.0.0.5:6379/2'
 */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return `${url.slice(0, url.indexOf(':') + 1)}//...`;
  }
}
