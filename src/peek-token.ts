import type { TokenPeek } from './claim-result.js';
import { perOptions } from './options-cache.js';
import type { ClaimContext, ClaimOptions } from './options.js';
import { createVerifyingStep } from './verifying-step.js';

export type { TokenPeek, TokenState } from './claim-result.js';

/** Verifies a token and reads whether it is still unused, without claiming it. */
export type TokenPeeker = (token: string | null | undefined, context?: ClaimContext) => Promise<TokenPeek>;

/**
 * Checks `options` once and returns a function that verifies a token exactly
 * as {@link createClaimer} with the same options would (signature, claims,
 * lifetime, `maxTtl`, `validate`, replay key and scope) and then **reads**
 * whether it is still unused, without claiming it.
 *
 * For scanner-safe magic links: mail scanners and link previewers open a link
 * before the person does, so the GET only peeks and shows a "Sign in" button;
 * the POST that button sends claims the token atomically. The peek reserves
 * nothing and may be stale; only the claim decides. `onClaim`/`onReplay`
 * are not called by a peek. A token that does not verify is refused with the
 * same error the claim would give; a store without `isClaimed` answers `unknown`.
 *
 * @example
 * import { createClaimer, createTokenPeeker } from 'jwt-once';
 * const options = { secret: process.env.LINK_SECRET!, algorithms: ['HS256'] as const, store: 'sqlite://var/links.db' };
 * const peek = createTokenPeeker(options);   // GET /login?token=...
 * const claim = createClaimer(options);      // POST /login
 * const { state, payload } = await peek(token);
 * if (state === 'used') return showAlreadyUsed();
 */
export function createTokenPeeker(options: ClaimOptions): TokenPeeker {
  return createVerifyingStep(options, (step) => step.peekPayload);
}

const peekerFor = perOptions(createTokenPeeker);

/**
 * {@link createTokenPeeker} with options checked once per options object
 * (cached): verifies `token` and tells whether it is still unused, without
 * spending it.
 *
 * @example
 * import { peekToken } from 'jwt-once';
 * const { state } = await peekToken(req.query.token, options); // 'unused' | 'used' | 'unknown'
 */
export function peekToken(token: string | null | undefined, options: ClaimOptions): Promise<TokenPeek> {
  try {
    return peekerFor(options)(token);
  } catch (err) {
    return Promise.reject(err);
  }
}
