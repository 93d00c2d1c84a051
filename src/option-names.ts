import type { ClaimOptions } from './options.js';

/**
 * Every name {@link ClaimOptions} accepts. Anything else is refused at
 * creation with a suggestion (see `checkOptionNames`). The type check below
 * fails the build when an option is added to `ClaimOptions` but not here.
 *
 * @example
 * checkOptionNames('claim', options, CLAIM_OPTION_NAMES);
 */
export const CLAIM_OPTION_NAMES = [
  'secret',
  'algorithms',
  'allowShortHmacSecret',
  'verifier',
  'issuer',
  'audience',
  'subject',
  'clockTolerance',
  'maxAge',
  'maxTtl',
  'maxTokenLength',
  'store',
  'allowNonAtomicStore',
  'storeTimeout',
  'scope',
  'validate',
  'onClaim',
  'onReplay',
  'onStoreError',
  'now',
] as const satisfies ReadonlyArray<keyof ClaimOptions>;

/** The option names of `T` missing from `Listed`: `never` when the list is complete. */
export type Unlisted<T, Listed extends readonly PropertyKey[]> = Exclude<keyof T, Listed[number]>;
// Compile-time completeness: `true` only when no option name is missing from the list.
const claimNamesComplete: [Unlisted<ClaimOptions, typeof CLAIM_OPTION_NAMES>] extends [never] ? true : false = true;
void claimNamesComplete;
