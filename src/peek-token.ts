import type { JwtPayload } from './jwt-types.js';
import { createClaimer } from './claim-token.js';
import { ConfigError, StoreError } from './errors.js';
import type { ClaimContext, ClaimOptions } from './options.js';
import type { ClaimStore } from './stores/claim-store.js';
import { resolveStore } from './stores/resolve-store.js';

/**
 * What a peek learns about a token that verifies: `unused` (no live claim
 * now), `used` (claimed before), or `unknown` (the store has no
 * `isClaimed` read, e.g. a custom store or `KeyvLockedStore`).
 */
export type TokenState = 'unused' | 'used' | 'unknown';

/** The answer of a peek. Advisory: nothing is reserved, the claim on POST decides. */
export interface TokenPeek {
  state: TokenState;
  /** The verified payload, e.g. to show "Sign in as alice@example.com". */
  payload: JwtPayload;
  /** The replay key the token would be claimed under. */
  key: string;
  /** When its claim would be forgotten. */
  expiresAt: Date;
}

/** Verifies a token and reads whether it is still unused, without claiming it. */
export type TokenPeeker = (token: string | null | undefined, context?: ClaimContext) => Promise<TokenPeek>;

/** Carries the store's read out of the claim step, which sees it as a store failure and rethrows it. */
class PeekAnswer {
  constructor(readonly state: TokenState, readonly key: string, readonly expiresAt: number) {}
}

/** Per call: the caller's request, and the payload the claim step verified. */
interface PeekCall {
  request: unknown;
  payload: JwtPayload | undefined;
}

/** A store that reads (`isClaimed`) where the claim step would claim, and never writes. */
function readOnly(store: ClaimStore): ClaimStore {
  return {
    claim(key, expiresAt, now) {
      if (typeof store.isClaimed !== 'function') throw new PeekAnswer('unknown', key, expiresAt);
      const answer = store.isClaimed(key, now);
      if (typeof answer === 'boolean') throw new PeekAnswer(answer ? 'used' : 'unused', key, expiresAt);
      return Promise.resolve(answer).then((used) => {
        throw new PeekAnswer(used === true ? 'used' : 'unused', key, expiresAt);
      });
    },
    release() {
      // Nothing was written.
    },
  };
}

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
  if (options === null || typeof options !== 'object') throw new ConfigError('options are required: { secret, algorithms }');
  const store = resolveStore(options.store, { allowNonAtomicStore: options.allowNonAtomicStore === true });
  const userValidate = options.validate;
  if (userValidate !== undefined && typeof userValidate !== 'function') throw new ConfigError('`validate` must be a function');
  const verifyOnly = createClaimer({
    ...options,
    store: readOnly(store),
    onClaim: undefined,
    onReplay: undefined,
    validate(payload, context) {
      const call = context.request as PeekCall;
      call.payload = payload;
      return userValidate === undefined ? true : userValidate(payload, { scope: context.scope, request: call.request });
    },
  });

  return function tokenPeeker(token, context) {
    const call: PeekCall = { request: context?.request, payload: undefined };
    const claimContext: ClaimContext = context?.scope === undefined ? { request: call } : { scope: context.scope, request: call };
    return verifyOnly(token, claimContext).then(
      () => Promise.reject(new StoreError('The peek store wrote a claim')), // unreachable: readOnly never answers true
      (err: unknown) => {
        const answer = err instanceof StoreError ? err.cause : undefined;
        if (!(answer instanceof PeekAnswer) || call.payload === undefined) throw err;
        return { state: answer.state, payload: call.payload, key: answer.key, expiresAt: new Date(answer.expiresAt) };
      },
    );
  };
}

const peekers = new WeakMap<ClaimOptions, TokenPeeker>();

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
  let peeker = peekers.get(options);
  if (peeker === undefined) {
    try {
      peeker = createTokenPeeker(options);
    } catch (err) {
      return Promise.reject(err);
    }
    peekers.set(options, peeker);
  }
  return peeker(token);
}
