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
