import type { ClaimOptions } from './options.js';
import type { GuardOptions } from './request-guard.js';

/**
 * Every name {@link ClaimOptions} accepts. Anything else is refused at
 * creation with a suggestion (see `checkOptionNames`). The type checks below
 * fail the build when an option is added to `ClaimOptions` but not here.
 *
 * @example
 * checkOptionNames('claim', options, CLAIM_OPTION_NAMES);
 */
export const CLAIM_OPTION_NAMES = [
  'secret',
  'algorithms',
  'allowShortHmacSecret',
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

/**
 * The names {@link GuardOptions} adds to {@link CLAIM_OPTION_NAMES}.
 *
 * @example
 * checkOptionNames('jwtOnce', options, [...CLAIM_OPTION_NAMES, ...GUARD_OPTION_NAMES, 'onError']);
 */
export const GUARD_OPTION_NAMES = ['getToken', 'cookie', 'releaseOnError', 'verifiedPayload'] as const satisfies ReadonlyArray<
  keyof GuardOptions<unknown>
>;

type Unlisted<T, Listed extends readonly PropertyKey[]> = Exclude<keyof T, Listed[number]>;
// Compile-time completeness: each is `true` only when no option name is missing from the lists.
const claimNamesComplete: [Unlisted<ClaimOptions, typeof CLAIM_OPTION_NAMES>] extends [never] ? true : false = true;
const guardNamesComplete: [Unlisted<GuardOptions<unknown>, [...typeof CLAIM_OPTION_NAMES, ...typeof GUARD_OPTION_NAMES]>] extends [never]
  ? true
  : false = true;
void claimNamesComplete;
void guardNamesComplete;
