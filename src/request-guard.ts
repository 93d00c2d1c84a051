import { bearerToken, cookieValue } from './bearer-token.js';
import { createClaimer } from './claim-token.js';
import { optionsFromEnv } from './env-options.js';
import { ConfigError } from './errors.js';
import type { Claim, ClaimOptions } from './options.js';

/**
 * Options every adapter takes: the {@link ClaimOptions} plus how to find the
 * token in a request. `secret` and `algorithms` may come from the environment
 * (see {@link optionsFromEnv}).
 */
export interface GuardOptions<Req> extends Omit<ClaimOptions, 'secret' | 'algorithms' | 'scope'> {
  /** @default process.env.JWT_ONCE_SECRET */
  secret?: ClaimOptions['secret'];
  /** @default process.env.JWT_ONCE_ALGORITHMS, or ['HS256'] when the secret comes from the environment */
  algorithms?: ClaimOptions['algorithms'];
  /**
   * Reads the token from the request; replaces the `Authorization: Bearer`
   * and `cookie` lookups. Return `undefined` for "no token".
   * @default the bearer token, then the `cookie` if set
   */
  getToken?: (request: Req) => string | null | undefined | Promise<string | null | undefined>;
  /** Name of a cookie to read the token from when there is no bearer token. @default none */
  cookie?: string;
  /**
   * Partition of the replay space, fixed or per request (e.g. per route):
   * a token can be used once per scope. @default ''
   */
  scope?: string | ((request: Req) => string);
  /**
   * Release the claim when the downstream handler fails (throws or answers
   * 5xx), so the client may retry with the same token. @default false
   */
  releaseOnError?: boolean;
}

/** Reads one request header, lower-case name, first value. */
export type HeaderReader = (name: string) => string | undefined;

/** What an adapter holds: the checked options and one call per request. */
export interface RequestGuard<Req> {
  /** Finds the token in the request, verifies and claims it. Rejects with a `JwtOnceError`. */
  claim(request: Req, header: HeaderReader): Promise<Claim>;
  readonly releaseOnError: boolean;
}

/**
 * The behaviour all adapters share, checked once at creation. Adapters only
 * translate their request into `(request, header)` and the outcome into a
 * response.
 *
 * @example
 * const guard = createRequestGuard<IncomingMessage>({ secret, algorithms: ['HS256'] });
 * const claim = await guard.claim(req, (name) => req.headers[name] as string | undefined);
 */
export function createRequestGuard<Req>(options: GuardOptions<Req> = {}, env: NodeJS.ProcessEnv = process.env): RequestGuard<Req> {
  if (options === null || typeof options !== 'object') throw new ConfigError('options must be an object');
  const { getToken, cookie, scope, releaseOnError = false, ...rest } = options;
  if (getToken !== undefined && typeof getToken !== 'function') throw new ConfigError('`getToken` must be a function');
  if (cookie !== undefined && (typeof cookie !== 'string' || cookie === '')) throw new ConfigError('`cookie` must be a cookie name');
  if (scope !== undefined && typeof scope !== 'string' && typeof scope !== 'function') {
    throw new ConfigError('`scope` must be a string or a function of the request');
  }
  if (typeof releaseOnError !== 'boolean') throw new ConfigError('`releaseOnError` must be a boolean');

  const claimOptions: ClaimOptions =
    rest.secret === undefined
      ? { ...optionsFromEnv(env), ...stripUndefined(rest) }
      : ({ ...rest } as ClaimOptions);
  if (typeof scope === 'string') claimOptions.scope = scope;
  const claimer = createClaimer(claimOptions);
  const scopeOf = typeof scope === 'function' ? scope : undefined;

  async function tokenOf(request: Req, header: HeaderReader): Promise<string | null | undefined> {
    if (getToken !== undefined) return getToken(request);
    const bearer = bearerToken(header('authorization'));
    if (bearer !== undefined || cookie === undefined) return bearer;
    return cookieValue(header('cookie'), cookie);
  }

  return {
    releaseOnError,
    async claim(request, header) {
      const token = await tokenOf(request, header);
      return claimer(token, scopeOf === undefined ? { request } : { request, scope: scopeOf(request) });
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
