import type { JwtHeader, JwtPayload } from './jwt-types.js';
import { checkTokenLength, prepareClaimStep } from './claim-step.js';
import { ConfigError, InvalidTokenError, JwtOnceError } from './errors.js';
import { watchCheck, type ClaimEvents } from './events/claim-events.js';
import { perOptions } from './options-cache.js';
import type { Claim, ClaimContext, ClaimOptions, VerifiedClaimOptions } from './options.js';
import { sameJson } from './same-json.js';

/**
 * Claims tokens that a verifier in front of jwt-once (express-jwt, koa-jwt,
 * hono/jwt, ...) has already verified: `(token, verifiedPayload, context?)`.
 */
export type VerifiedClaimer = (
  token: string | null | undefined,
  verifiedPayload: JwtPayload | null | undefined,
  context?: ClaimContext,
) => Promise<Claim>;

const VERIFIER_OPTIONS = ['secret', 'algorithms', 'allowShortHmacSecret', 'issuer', 'audience', 'subject'] as const;

/** Decodes `token` (no signature check) and checks its payload is the one the verifier accepted. */
function headerOfVerified(token: string, verifiedPayload: JwtPayload): JwtHeader {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError('The token is malformed');
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError('The token is malformed');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new InvalidTokenError('The token is malformed');
  }
  // Binds the replay key (from this token's signed part) to what was verified: a second,
  // unverified token sent beside the verified one cannot choose the key.
  // Compared without recursion (see sameJson): a payload nested thousands deep is a 401 or a pass, never a RangeError.
  if (!sameJson(payload, verifiedPayload)) {
    throw new InvalidTokenError('The token in the request is not the token the verifier accepted');
  }
  return header as JwtHeader;
}

/**
 * Like {@link createClaimer}, for a token a verifier in front of jwt-once has
 * already checked: it does not verify the signature again, and only claims.
 * **Use it only behind a verifier**: it trusts `verifiedPayload`.
 *
 * The replay key still comes from signed content: the raw token's
 * `header.payload` (or `iss` + `jti`), the same key {@link claimToken} uses.
 * The raw token's payload must equal `verifiedPayload`, so read the token
 * from the same place the verifier did. Expiry follows the same rules
 * (`exp`, `maxAge`, `maxTtl`, `clockTolerance`); set `clockTolerance` and
 * `maxAge` at least as large as the verifier's, or a claim could be forgotten
 * while the verifier still accepts the token.
 *
 * A missing `verifiedPayload` is refused (401), never passed.
 *
 * @example
 * import { createVerifiedClaimer } from 'jwt-once';
 * const claimOnce = createVerifiedClaimer({ store });
 * // after your verifier accepted `token` with payload `payload`:
 * await claimOnce(token, payload);
 */
export function createVerifiedClaimer(options: VerifiedClaimOptions = {}): VerifiedClaimer {
  const { claim, events } = createUnobservedVerifiedClaimer(options);
  return function verifiedClaimer(token, verifiedPayload, context) {
    if (!events.watching()) return claim(token, verifiedPayload, context);
    const started = events.now();
    return watchCheck(events, started, claim(token, verifiedPayload, context), sameClaim, context?.scope ?? events.scope, context?.request);
  };
}

const sameClaim = (claim: Claim): Claim => claim;

/**
 * {@link createVerifiedClaimer} without the observation of the whole check,
 * with the events that observation needs (for the request guard). Internal.
 *
 * @example
 * const { claim, events } = createUnobservedVerifiedClaimer({ store });
 */
export function createUnobservedVerifiedClaimer(options: VerifiedClaimOptions = {}): { claim: VerifiedClaimer; events: ClaimEvents } {
  if (options === null || typeof options !== 'object') throw new ConfigError('options must be an object');
  for (const name of VERIFIER_OPTIONS) {
    if ((options as Partial<ClaimOptions>)[name] !== undefined) {
      throw new ConfigError(`\`${name}\` is not used when claiming already-verified tokens: configure it on your verifier`);
    }
  }
  const { maxTokenLength, clock, claimPayload, events } = prepareClaimStep(options);

  const claim: VerifiedClaimer = async function verifiedClaimer(token, verifiedPayload, context) {
    checkTokenLength(token, maxTokenLength);
    if (typeof verifiedPayload !== 'object' || verifiedPayload === null || Array.isArray(verifiedPayload)) {
      throw new InvalidTokenError('No verified payload: jwt-once must run behind a verifier that accepted this token');
    }
    let header: JwtHeader;
    try {
      header = headerOfVerified(token, verifiedPayload);
    } catch (cause) {
      // Whatever goes wrong while comparing the request's token with the verified payload is that token's refusal (401).
      if (cause instanceof JwtOnceError) throw cause;
      throw new InvalidTokenError('The token in the request is not the token the verifier accepted', { cause });
    }
    return claimPayload(token, header, verifiedPayload, clock(), context);
  };
  return { claim, events };
}

const verifiedClaimerFor = perOptions(createVerifiedClaimer);
const NO_OPTIONS: VerifiedClaimOptions = {};

/**
 * {@link claimToken} for a token your verifier already accepted: claims it
 * once without verifying it again. See {@link createVerifiedClaimer}.
 *
 * @example
 * import { claimVerified } from 'jwt-once';
 * const options = { maxTtl: 900 };
 * const { key } = await claimVerified(token, verifiedPayload, options);
 */
export function claimVerified(
  token: string | null | undefined,
  verifiedPayload: JwtPayload | null | undefined,
  options: VerifiedClaimOptions = NO_OPTIONS,
): Promise<Claim> {
  try {
    return verifiedClaimerFor(options)(token, verifiedPayload);
  } catch (err) {
    return Promise.reject(err);
  }
}
