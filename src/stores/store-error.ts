import { StoreError } from '../errors.js';

/**
 * A store failure as the {@link StoreError} (503) a caller sees: a StoreError
 * passes as it is, anything else is wrapped with `what` as its message and the
 * original as its `cause` (kept for logs, never sent to a client).
 *
 * @param what what failed, in words a response may carry (no host, path or key).
 * @param cause what was thrown or rejected.
 * @example
 * try {
 *   await client.set(key, value);
 * } catch (cause) {
 *   throw asStoreError('Redis could not record the claim', cause);
 * }
 */
export function asStoreError(what: string, cause: unknown): StoreError {
  return cause instanceof StoreError ? cause : new StoreError(what, { cause });
}
