import { StoreError } from '../errors.js';

/**
 * Every time limit of the stores and the claim step, in one place:
 * {@link timeBound} (any promise, any error), {@link withTimeout} (a store
 * command: failures and timeouts as StoreErrors) and {@link withinTime} (a
 * claim: a `true` that arrives late is released, so it never passes).
 */

/**
 * Settles as `promise` does, or rejects with `onTimeout()` once `ms` have
 * passed; the timer is cleared either way, so it never keeps a process alive
 * past the answer. A `promise` that settles after the deadline is ignored
 * (its rejection included: nothing is left unhandled).
 *
 * @example
 * const info = await timeBound(client.sendCommand(['INFO', 'memory']), 1000, () => new Error('no INFO within 1000 ms'));
 */
export function timeBound<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (cause: unknown) => {
        clearTimeout(timer);
        reject(cause);
      },
    );
  });
}

/**
 * `promise`, or a StoreError (`<what> within <ms> ms`) after `ms`; a rejection
 * becomes a StoreError (`what`, the rejection as its cause) too.
 *
 * @example
 * await withTimeout(client.close(), 1000, 'Redis did not close');
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const failed = promise.catch((cause: unknown) => {
    throw new StoreError(what, { cause });
  });
  return timeBound(failed, ms, () => new StoreError(`${what} within ${ms} ms`));
}

/**
 * Waits for an async store answer for at most `ms`; a late `true` is
 * released (`onLateWin`), so it cannot pass. Past `ms` it rejects with a
 * StoreError (503); a rejection after that is ignored.
 *
 * @example
 * const won = await withinTime(store.claim(key, exp, now, id), 2000, () => void store.release(key, exp, id));
 */
export function withinTime(pending: Promise<boolean>, ms: number, onLateWin: () => void): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new StoreError(`The claim store did not answer within ${ms} ms`));
    }, ms);
    pending.then(
      (won) => {
        if (timedOut) {
          if (won === true) onLateWin();
          return;
        }
        clearTimeout(timer);
        resolve(won);
      },
      (err: unknown) => {
        if (timedOut) return;
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
