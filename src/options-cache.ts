/**
 * Makes the function an options object configures once per options object
 * and reuses it: the one-call forms (`claimToken`, `claimVerified`,
 * `peekToken`, `checkDpopProof`) check options and prepare keys once, not on
 * every call. What `create` throws (a `ConfigError`) is thrown on every call
 * with those options, and nothing is cached for them.
 *
 * @example
 * const claimerFor = perOptions(createClaimer);
 * const claim = await claimerFor(options)(token);
 */
export function perOptions<O extends object, F>(create: (options: O) => F): (options: O) => F {
  const made = new WeakMap<O, F>();
  return (options) => {
    let fn = made.get(options);
    if (fn === undefined) {
      fn = create(options);
      made.set(options, fn);
    }
    return fn;
  };
}
