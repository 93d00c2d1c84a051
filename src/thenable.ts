/**
 * True for a promise or any other thenable (a promise of another realm or
 * library): what an option function may return, whose rejection must then be
 * handled rather than left unhandled.
 *
 * @example
 * const result = hook(event);
 * if (isThenable(result)) Promise.resolve(result).catch(() => undefined);
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  return typeof (value as PromiseLike<unknown>).then === 'function';
}
