import { watchCheck, type ClaimEvents } from './events/claim-events.js';
import { perOptions } from './options-cache.js';
import type { Claim, ClaimContext, ClaimOptions } from './options.js';
import { createVerifyingStep } from './verifying-step.js';

/**
 * Verifies and claims tokens with options checked once. Resolves with the
 * {@link Claim} or rejects with a {@link JwtOnceError}.
 */
export type Claimer = (token: string | null | undefined, context?: ClaimContext) => Promise<Claim>;

/**
 * Checks `options` once and returns a function that verifies and claims
 * tokens. Adapters use this; call it yourself to pay the option checks and key
 * parsing once instead of per token.
 *
 * Misconfiguration throws a {@link ConfigError} here, never per request.
 *
 * @example
 * import { createClaimer } from 'jwt-once';
 * const claim = createClaimer({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] });
 * const { payload } = await claim(tokenFromLink);
 */
export function createClaimer(options: ClaimOptions): Claimer {
  const { claim, events } = createUnobservedClaimer(options);
  return function claimer(token, context) {
    if (!events.watching()) return claim(token, context);
    return watchCheck(events, events.now(), claim(token, context), sameClaim, context?.scope ?? events.scope, context?.request);
  };
}

const sameClaim = (claim: Claim): Claim => claim;

/**
 * {@link createClaimer} without the observation of the whole check
 * (`onRefuse`, `jwt-once:claim`, `jwt-once:refusal`), with the events that
 * observation needs: for a caller that observes a larger check itself (the
 * request guard, which times the token lookup too). Internal.
 *
 * @example
 * const { claim, events } = createUnobservedClaimer(options);
 */
export function createUnobservedClaimer(options: ClaimOptions): { claim: Claimer; events: ClaimEvents } {
  let events: ClaimEvents | undefined;
  const claim = createVerifyingStep(options, (step) => {
    events = step.events;
    return step.claimPayload;
  });
  return { claim, events: events! };
}

const claimerFor = perOptions(createClaimer);

/**
 * Verifies `token` and atomically records it as used, so that every later
 * presentation is refused until the token expires.
 *
 * Order: verify the signature and claims, bound the lifetime, run `validate`,
 * then claim. A token refused by any step before the claim is not consumed.
 * Options are checked once per options object (cached), so pass the same
 * object on every call, or use {@link createClaimer}.
 *
 * @param token the compact JWT (no `Bearer ` prefix).
 * @param options see {@link ClaimOptions}; `secret` and `algorithms` are required.
 * @returns the verified payload, replay key, claim expiry and `release()`.
 * @throws {MissingTokenError} 401 when `token` is empty.
 * @throws {InvalidTokenError} 401 when it does not verify or cannot be bounded.
 * @throws {ExpiredTokenError} 401 when it has expired.
 * @throws {ReusedTokenError} 401 when it was already used.
 * @throws {StoreError} 503 when the store cannot answer.
 * @throws {ConfigError} when `options` are wrong.
 *
 * @example
 * import { claimToken, ReusedTokenError } from 'jwt-once';
 * const options = { secret: process.env.LINK_SECRET!, algorithms: ['HS256'] as const };
 * try {
 *   const { payload } = await claimToken(token, options);
 *   await logIn(payload.sub);
 * } catch (err) {
 *   if (err instanceof ReusedTokenError) return showLinkAlreadyUsed();
 *   throw err;
 * }
 */
export function claimToken(token: string | null | undefined, options: ClaimOptions): Promise<Claim> {
  try {
    return claimerFor(options)(token);
  } catch (err) {
    return Promise.reject(err);
  }
}
