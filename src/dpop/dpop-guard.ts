import { ConfigError, DpopProofError } from '../errors.js';
import { checkOptionNames } from '../option-checks.js';
import { createDpopChecker } from './check-proof.js';
import { DPOP_OPTION_NAMES, type DpopOptions, type DpopProof, type DpopRequest } from './options.js';
import { isThenable } from '../thenable.js';

/** Options of the DPoP middleware of every adapter: {@link DpopOptions} plus where the access token's payload is. */
export interface DpopGuardOptions<Req> extends DpopOptions {
  /**
   * At a resource server, behind a verifier of the access token: reads its
   * verified payload from the request (e.g. `req.auth`). Its `cnf.jkt` must
   * then equal the proof key's thumbprint, and the token must come as
   * `Authorization: DPoP <token>` (RFC 9449 s7.1). No payload is a 401.
   * A promised payload is awaited; a function that throws or rejects fails
   * the request (5xx), never passes it.
   * @default none: no key binding is checked (an authorization server's token endpoint)
   */
  accessTokenPayload?: (request: Req) => unknown;
}

/** What an adapter reads from its request. */
export interface DpopRequestParts {
  method: string;
  /** Absolute URL, or the path when `origin` is set. */
  url: string;
  /** Every `DPoP` header line, or the one value (two lines joined by the framework contain a comma). */
  proof: string | readonly string[] | undefined;
  /** The `Authorization` header. */
  authorization: string | undefined;
}

/** The shared DPoP step of the adapters. */
export interface DpopGuard<Req> {
  /** Checks and claims the proof of one request. Rejects with a `JwtOnceError`. */
  check(request: Req, parts: DpopRequestParts): Promise<DpopProof>;
}

/**
 * The access token of `Authorization: DPoP <token>` (RFC 9449 s7.1), or
 * `undefined` for another scheme or a malformed credential.
 *
 * @example
 * dpopAccessToken('DPoP eyJhbGciOi...') // 'eyJhbGciOi...'
 * dpopAccessToken('Bearer eyJhbGciOi...') // undefined
 */
export function dpopAccessToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 6 || authorization.slice(0, 5).toLowerCase() !== 'dpop ') return undefined;
  const token = authorization.slice(5).trim();
  return token.length === 0 || /[\s,]/.test(token) ? undefined : token;
}

/**
 * Checks the options once and returns the per-request step every DPoP
 * middleware shares: the `ath` check whenever the request carries
 * `Authorization: DPoP <token>`, the `cnf.jkt` binding when
 * `accessTokenPayload` is set, and the claim. Option names are checked like
 * the JWT options: the DPoP ones, `accessTokenPayload` and the adapter's own
 * (`adapterOptionNames`, e.g. `onError`); an unknown one is a
 * {@link ConfigError} that suggests the closest name.
 *
 * @example
 * const guard = createDpopGuard<Request>({ store });
 * const proof = await guard.check(req, {
 *   method: req.method,
 *   url,
 *   proof: req.headersDistinct.dpop,
 *   authorization: req.headers.authorization,
 * });
 */
export function createDpopGuard<Req>(options: DpopGuardOptions<Req> = {}, adapterOptionNames: readonly string[] = []): DpopGuard<Req> {
  if (options === null || typeof options !== 'object') throw new ConfigError('DPoP options must be an object');
  checkOptionNames('dpopOnce', options, [...DPOP_OPTION_NAMES, 'accessTokenPayload', ...adapterOptionNames]);
  const { accessTokenPayload, onError, ...rest } = options as DpopGuardOptions<Req> & { onError?: unknown };
  if (onError !== undefined && typeof onError !== 'function') throw new ConfigError('`onError` must be a function');
  if (accessTokenPayload !== undefined && typeof accessTokenPayload !== 'function') {
    throw new ConfigError('`accessTokenPayload` must be a function of the request returning the verified access-token payload');
  }
  const checker = createDpopChecker(rest);

  /** The `cnf.jkt` binding: needs the token as `Authorization: DPoP` and a verified payload. */
  function bound(proof: DpopRequestParts['proof'], dpopRequest: DpopRequest, payload: unknown): Promise<DpopProof> {
    if (dpopRequest.accessToken === undefined) {
      throw new DpopProofError('The access token must be sent as Authorization: DPoP <token>');
    }
    if (typeof payload !== 'object' || payload === null) {
      throw new DpopProofError('No verified access-token payload: the DPoP middleware must run behind the token verifier');
    }
    dpopRequest.accessTokenPayload = payload as Record<string, unknown>;
    return checker(proof, dpopRequest);
  }

  return {
    check(request, parts) {
      try {
        const dpopRequest: DpopRequest = { method: parts.method, url: parts.url, request };
        const accessToken = dpopAccessToken(parts.authorization);
        if (accessToken !== undefined) dpopRequest.accessToken = accessToken;
        if (accessTokenPayload === undefined) return checker(parts.proof, dpopRequest);
        const payload = accessTokenPayload(request);
        // A promised payload is awaited: its rejection fails the request (5xx), never goes unhandled.
        if (isThenable(payload)) return Promise.resolve(payload).then((p) => bound(parts.proof, dpopRequest, p));
        return bound(parts.proof, dpopRequest, payload);
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
