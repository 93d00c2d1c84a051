import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Jwt, VerifyOptions } from 'jsonwebtoken';
import type { JwtHeader, JwtPayload } from './jwt-types.js';
import { checkTokenLength, prepareClaimStep, type ClaimStep } from './claim-step.js';
import { ConfigError, InvalidTokenError, JwtOnceError } from './errors.js';
import type { SecretResolver } from './key-input.js';
import { checkAlgorithms, keyRules, prepareKey, ResolvedKeyCache } from './keys.js';
import type { ClaimContext, ClaimOptions } from './options.js';
import { checkVerifier, verifyWithVerifier } from './verifier-step.js';
import { describeVerifyError } from './verify-error.js';

// The verification both `createClaimer` and `createTokenPeeker` run before their step:
// its own file, so claim-token.ts and peek-token.ts are siblings that import it (no cycle).
const { verify, decode } = jwt;

/** What runs once a token verified: the claim (or, for a peek, the read). */
type AfterVerify<R> = (token: string, header: JwtHeader, payload: JwtPayload, now: number, context: ClaimContext | undefined) => Promise<R>;

/**
 * Checks `options` once and returns a function that verifies a token (with
 * `jsonwebtoken`, keys prepared once) and hands it to the step `pick` chooses
 * from the claim step: the claim for `createClaimer`, the read for
 * `createTokenPeeker`. Both therefore verify, bound and key a token alike.
 *
 * @example
 * const peek = createVerifyingStep(options, (step) => step.peekPayload);
 */
export function createVerifyingStep<R>(
  options: ClaimOptions,
  pick: (step: ClaimStep) => AfterVerify<R>,
): (token: string | null | undefined, context?: ClaimContext) => Promise<R> {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('options are required: { secret, algorithms }');
  }
  const verifier = checkVerifier(options.verifier, options.audience);
  const algorithms = checkAlgorithms(options.algorithms, verifier);
  const { allowShortHmacSecret = false } = options;
  if (typeof allowShortHmacSecret !== 'boolean') throw new ConfigError('`allowShortHmacSecret` must be a boolean');
  const rules = keyRules(algorithms, allowShortHmacSecret);
  const { secret } = options;
  if (secret === undefined || secret === null || (secret as unknown) === '') {
    const given = Object.prototype.hasOwnProperty.call(options, 'secret')
      ? 'the given secret is empty (likely an unset environment variable); '
      : '';
    throw new ConfigError(`${given}\`secret\` is required: the shared secret, a PEM public key, a KeyObject, or a key lookup function`);
  }
  const staticKey: KeyObject | undefined = typeof secret === 'function' ? undefined : prepareKey(secret, rules);
  const resolver: SecretResolver | undefined = typeof secret === 'function' ? secret : undefined;
  const resolvedKeys = new ResolvedKeyCache(rules);

  const step = prepareClaimStep(options);
  const { clockTolerance, maxAge, maxTokenLength, clock } = step;
  const afterVerify = pick(step);

  // Reused across calls: verify() is synchronous, so no two calls share it at once.
  const verifyOptions: VerifyOptions & { complete: true } = {
    algorithms,
    complete: true,
    clockTolerance,
    ...(options.issuer !== undefined && { issuer: options.issuer as VerifyOptions['issuer'] }),
    ...(options.audience !== undefined && { audience: options.audience as VerifyOptions['audience'] }),
    ...(options.subject !== undefined && { subject: options.subject }),
    ...(maxAge !== undefined && { maxAge }),
  };
  /** Only called with a key lookup function; a static key skips this await entirely. */
  async function keyFor(token: string): Promise<KeyObject> {
    let decoded: ReturnType<typeof decode>;
    try {
      // jws.decode throws (a SyntaxError quoting the payload) on a non-JSON payload under `typ: JWT`.
      decoded = decode(token, { complete: true });
    } catch {
      decoded = null;
    }
    if (
      decoded === null ||
      typeof decoded.header !== 'object' ||
      decoded.header === null ||
      typeof decoded.payload !== 'object' ||
      decoded.payload === null
    ) {
      throw new InvalidTokenError('The token is malformed');
    }
    // A kid is a string (RFC 7515 s4.1.4): an array or object must not reach a lookup such as `keys[kid]`.
    if (decoded.header.kid !== undefined && typeof decoded.header.kid !== 'string') {
      throw new InvalidTokenError('The kid header must be a string');
    }
    try {
      return resolvedKeys.get(await resolver!(decoded.header, decoded.payload));
    } catch (cause) {
      if (cause instanceof JwtOnceError) throw cause;
      throw new InvalidTokenError('No key was found for this token', { cause });
    }
  }

  /** Verifies with `key`, synchronously; throws a JwtOnceError. */
  function verifyWith(token: string, key: KeyObject, now: number): Jwt {
    try {
      verifyOptions.clockTimestamp = Math.floor(now / 1000);
      return verify(token, key, verifyOptions);
    } catch (err) {
      throw describeVerifyError(err);
    }
  }

  if (verifier !== undefined) {
    const checks = {
      algorithms,
      clockTolerance,
      ...(options.issuer !== undefined && { issuer: options.issuer }),
      ...(options.audience !== undefined && { audience: options.audience as string | string[] }),
      ...(options.subject !== undefined && { subject: options.subject }),
      ...(maxAge !== undefined && { maxAge }),
    };
    return async function claimer(token, context) {
      checkTokenLength(token, maxTokenLength);
      const key = staticKey ?? (await keyFor(token));
      const now = clock();
      const { header, payload } = await verifyWithVerifier(verifier, token, key, { ...checks, now });
      return afterVerify(token, header, payload, now, context);
    };
  }
  if (staticKey === undefined) {
    return async function claimer(token, context) {
      checkTokenLength(token, maxTokenLength);
      const key = await keyFor(token);
      const now = clock();
      const { header, payload } = verifyWith(token, key, now);
      return afterVerify(token, header, payload as JwtPayload, now, context);
    };
  }
  // A static key: no await before the claim step, and its promise is returned
  // as is (an async wrapper returning a promise costs extra microtask turns).
  return function claimer(token, context) {
    let now: number;
    let verified: Jwt;
    try {
      checkTokenLength(token, maxTokenLength);
      now = clock();
      verified = verifyWith(token, staticKey, now);
    } catch (err) {
      return Promise.reject(err);
    }
    return afterVerify(token as string, verified.header, verified.payload as JwtPayload, now, context);
  };
}
