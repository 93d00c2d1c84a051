import type { StoreError } from '../errors.js';
import { storeName } from './store-names.js';

/** At most one warning per store per this many ms. */
export const STORE_WARNING_INTERVAL_MS = 60_000;

/** When each store last warned (epoch ms). */
const lastWarned = new WeakMap<object, number>();

/**
 * The fallback when nobody listens to store failures (no `onStoreError`, no
 * `jwt-once:store-error` subscriber): a store that refuses every token would
 * otherwise leave the server log silent while clients get 503. Logs the
 * first failure of `store` with `console.warn`, then at most one a minute
 * (per store), with the store's URL (no password, no query) when it was
 * opened from one, and the error's `detail` (what failed: host, port, path). The server log only: the client's answer never holds it.
 *
 * @param now the wall clock, for the one-a-minute limit. @default Date.now()
 * @example
 * warnStoreFailure(store, error); // jwt-once: the claim store failed, tokens are refused (503): connect ECONNREFUSED 127.0.0.1:6379 ...
 */
export function warnStoreFailure(store: object, error: StoreError, now: number = Date.now()): void {
  const last = lastWarned.get(store);
  if (last !== undefined && now - last < STORE_WARNING_INTERVAL_MS) return;
  lastWarned.set(store, now);
  const name = storeName(store);
  try {
    // eslint-disable-next-line no-console -- the one deliberate print: a store failure nobody else reports
    console.warn(
      `jwt-once: the claim store${name === undefined ? '' : ` ${name}`} failed and tokens are refused (503): ${error.detail}. ` +
        'Set onStoreError or subscribe to the jwt-once:store-error channel to handle this yourself ' +
        `(this warning repeats at most once every ${STORE_WARNING_INTERVAL_MS / 1000} s).`,
    );
  } catch {
    // a console that throws changes nothing
  }
}
