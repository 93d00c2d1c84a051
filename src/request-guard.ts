import { bearerToken, cookieValue } from './bearer-token.js';
import type { JwtPayload } from './jwt-types.js';
import { createClaimer } from './claim-token.js';
import { createVerifiedClaimer } from './claim-verified.js';
import { optionsFromEnv, type EnvVars } from './env-options.js';
import { ConfigError } from './errors.js';
import { checkOptionNames } from './option-checks.js';
import { CLAIM_OPTION_NAMES, type Unlisted } from './option-names.js';
import type { Claim, ClaimContext, ClaimOptions, VerifiedClaimOptions } from './options.js';
import { isThenable } from './thenable.js';

/**
 * Where the verification key of an adapter comes from, as a type:
 *
 * - a `secret` in code: then `algorithms` is required too (`jwtOnce({ secret })`
 *   alone does not type-check);
 * - no `secret` key: `JWT_ONCE_SECRET` and `JWT_ONCE_ALGORITHMS` (default
 *   `HS256`) are read from the environment, and `algorithms` given in code
 *   wins. A `secret` key whose value is `undefined` is a {@link ConfigError}
 *   at run time, never a fall-back to the environment.
 */
type GuardKeyOptions =
  | {
      /** The verification key, see {@link ClaimOptions.secret}. */
      secret: ClaimOptions['secret'];
      /** Accepted algorithms, required with a `secret`: a non-empty array, e.g. `['HS256']`. */
      algorithms: ClaimOptions['algorithms'];
    }
  | {
      /** @default process.env.JWT_ONCE_SECRET, read only when the options have no `secret` key */
      secret?: undefined;
      /** @default process.env.JWT_ONCE_ALGORITHMS, or ['HS256'] */
      algorithms?: ClaimOptions['algorithms'];
    };

/**
 * Options every adapter takes: the {@link ClaimOptions} plus how to find the
 * token in a request, with `secret` and `algorithms` as {@link GuardKeyOptions}
 * says. With no `secret` key at all, `secret`, `algorithms`, `issuer`,
 * `audience` and `store` come from the environment (see
 * {@link optionsFromEnv}); a `secret` key whose value is `undefined`, `null`
 * or `''` (an unset variable) is a {@link ConfigError}, never a fallback.
 *
 * @example
 * const options: GuardOptions<Request> = { secret: process.env.LINK_SECRET!, algorithms: ['HS256'] };
 */
export type GuardOptions<Req> = GuardBaseOptions<Req> & GuardKeyOptions;

/** The {@link GuardOptions} other than `secret` and `algorithms`. */
interface GuardBaseOptions<Req> extends Omit<ClaimOptions, 'secret' | 'algorithms' | 'scope'> {
  /**
   * Reads the token from the request; replaces the `Authorization: Bearer`
   * and `cookie` lookups. Return `undefined` for "no token".
   * @default the bearer token, then the `cookie` if set
   */
  getToken?: (request: Req) => string | null | undefined | Promise<string | null | undefined>;
  /** Name of a cookie to read the token from when there is no bearer token. @default none */
  cookie?: string;
  /**
   * Partition of the replay space: a token can be used once per scope. A
   * fixed label, or the adapter's `routeScope` (the method and the route
   * pattern the router matched). **Never raw request data** such as the
   * path: every spelling the router accepts (case, trailing slash, encoded
   * characters) would be a new scope, and the token would pass once per
   * spelling. A function that throws or rejects fails the request (5xx),
   * never passes it. @default ''
   */
  scope?: string | ((request: Req) => string);
  /**
   * Release the claim when the downstream handler fails (throws or answers
   * 5xx), so the client may retry with the same token. @default false
   */
  releaseOnError?: boolean;
  /**
   * Composition: reads the payload a verifier placed on the request before
   * jwt-once (express-jwt `req.auth`, koa-jwt `ctx.state.user`, hono/jwt
   * `c.get('jwtPayload')`). jwt-once then only claims the token, without
   * verifying it again: `secret`, `algorithms`, `issuer`, `audience` and
   * `subject` belong to the verifier and are refused here.
   *
   * **Only behind a verifier.** The token is still read from the request (as
   * `getToken`/`cookie` say: the place the verifier read it from) and the
   * replay key comes from its signed part; its payload must equal the
   * verified one. No payload means 401, never a pass; a function that throws
   * or rejects fails the request (5xx). Keep `clockTolerance`
   * and `maxAge` at least as large as the verifier's.
   * @default none: jwt-once verifies the token itself
   */
  verifiedPayload?: (request: Req) => unknown;
}

/**
 * The names {@link GuardOptions} adds to {@link CLAIM_OPTION_NAMES}. Kept
 * beside `GuardOptions`, its only user: option-names.ts then needs nothing
 * from this file (no import cycle).
 *
 * @example
 * checkOptionNames('jwtOnce', options, [...CLAIM_OPTION_NAMES, ...GUARD_OPTION_NAMES, 'onError']);
 */
const GUARD_OPTION_NAMES = ['getToken', 'cookie', 'releaseOnError', 'verifiedPayload'] as const satisfies ReadonlyArray<
  keyof GuardOptions<unknown>
>;
// Compile-time completeness: `true` only when no option name is missing from the two lists.
const guardNamesComplete: [Unlisted<GuardOptions<unknown>, [...typeof CLAIM_OPTION_NAMES, ...typeof GUARD_OPTION_NAMES]>] extends [never]
  ? true
  : false = true;
void guardNamesComplete;

/** Reads one request header, lower-case name, first value. */
export type HeaderReader = (name: string) => string | undefined;

/** What an adapter holds: the checked options and one call per request. */
export interface RequestGuard<Req> {
  /** Finds the token in the request, verifies and claims it. Rejects with a `JwtOnceError`. */
  claim(request: Req, header: HeaderReader): Promise<Claim>;
  readonly releaseOnError: boolean;
  /**
   * Called by adapters once the downstream handlers are done: releases the
   * claim when `releaseOnError` is on and they failed (threw, or answered
   * with a status of 500 or more). Never rejects.
   */
  settle(claim: Claim, outcome: { threw: boolean; status: number }): Promise<void>;
}

/**
 * The behaviour all adapters share, checked once at creation. Adapters only
 * translate their request into `(request, header)` and the outcome into a
 * response.
 *
 * Unknown option names are refused with a {@link ConfigError} that suggests
 * the closest known one; `adapterOptionNames` are the adapter's own extra
 * options (e.g. `onError`), accepted as known.
 *
 * @param options the adapter's options. @default {} (everything from the environment)
 * @param env where `JWT_ONCE_*` are read, when `options` has no `secret` key. @default process.env
 * @param adapterOptionNames the adapter's own option names. @default []
 * @example
 * const guard = createRequestGuard<IncomingMessage>({ secret, algorithms: ['HS256'] });
 * const claim = await guard.claim(req, (name) => req.headers[name] as string | undefined);
 */
export function createRequestGuard<Req>(
  options: GuardOptions<Req> = {},
  // Workers without nodejs_compat have no `process`: no environment then, not a ReferenceError.
  env: EnvVars = globalThis.process?.env ?? {},
  adapterOptionNames: readonly string[] = [],
): RequestGuard<Req> {
  if (options === null || typeof options !== 'object') throw new ConfigError('options must be an object');
  checkOptionNames('jwtOnce', options, [...CLAIM_OPTION_NAMES, ...GUARD_OPTION_NAMES, ...adapterOptionNames]);
  // `onError` is the adapter's to call (its signature is the framework's); checked here, once for all.
  const {
    getToken,
    cookie,
    scope,
    releaseOnError = false,
    verifiedPayload,
    onError,
    ...rest
  } = options as GuardOptions<Req> & { onError?: unknown };
  if (onError !== undefined && typeof onError !== 'function') throw new ConfigError('`onError` must be a function');
  if (getToken !== undefined && typeof getToken !== 'function') throw new ConfigError('`getToken` must be a function');
  if (cookie !== undefined && (typeof cookie !== 'string' || cookie === '')) throw new ConfigError('`cookie` must be a cookie name');
  if (scope !== undefined && typeof scope !== 'string' && typeof scope !== 'function') {
    throw new ConfigError('`scope` must be a string or a function of the request');
  }
  if (typeof releaseOnError !== 'boolean') throw new ConfigError('`releaseOnError` must be a boolean');
  if (verifiedPayload !== undefined && typeof verifiedPayload !== 'function') {
    throw new ConfigError('`verifiedPayload` must be a function of the request returning the verified payload');
  }

  const secretGiven = Object.prototype.hasOwnProperty.call(options, 'secret');
  const claim =
    verifiedPayload === undefined
      ? verifyingClaim(rest, scope, secretGiven ? undefined : env)
      : verifiedClaim(rest, scope, verifiedPayload);
  const scopeOf = typeof scope === 'function' ? scope : undefined;

  return {
    releaseOnError,
    // Not an async function: with the default token lookup nothing here awaits,
    // and the claimer's promise is returned as is (no extra microtask turns).
    claim(request, header) {
      try {
        const context: ClaimContext = scopeOf === undefined ? { request } : { request, scope: scopeFor(scopeOf, request) };
        if (getToken !== undefined) {
          return Promise.resolve(getToken(request)).then((token) => claim(token, request, context));
        }
        let token = bearerToken(header('authorization'));
        if (token === undefined && cookie !== undefined) token = cookieValue(header('cookie'), cookie);
        return claim(token, request, context);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    async settle(done, { threw, status }) {
      if (!releaseOnError || (!threw && status < 500)) return;
      // The handler's failure is what the client sees; a failed release only keeps the token used.
      await done.release().catch(() => undefined);
    },
  };
}

/** The scope a `scope` function gives: a string, synchronously; anything else is a ConfigError (500). */
function scopeFor<Req>(scopeOf: (request: Req) => string, request: Req): string {
  const scope: unknown = scopeOf(request);
  if (typeof scope === 'string') return scope;
  // A promised scope is refused; its rejection must not go unhandled.
  if (isThenable(scope)) Promise.resolve(scope).catch(() => undefined);
  throw new ConfigError(`\`scope\` must return a string synchronously, got ${isThenable(scope) ? 'a promise' : typeof scope}`);
}

type ClaimCall<Req> = (token: string | null | undefined, request: Req, context: ClaimContext) => Promise<Claim>;
type ClaimSettings<Req> = Omit<GuardOptions<Req>, 'getToken' | 'cookie' | 'scope' | 'releaseOnError' | 'verifiedPayload'>;

/**
 * The default: jwt-once verifies the token. `env` is given only when the
 * options have no `secret` key: then the environment fills in what the code
 * left out. A `secret` key is never completed from the environment.
 */
function verifyingClaim<Req>(rest: ClaimSettings<Req>, scope: GuardOptions<Req>['scope'], env: EnvVars | undefined): ClaimCall<Req> {
  const secret: unknown = rest.secret;
  if (env === undefined && (secret === undefined || secret === null || secret === '')) {
    throw new ConfigError(
      `the given secret is empty (likely an unset environment variable): \`secret\` is ${secret === '' ? "''" : String(secret)}; ` +
        'pass a secret, or leave the `secret` key out to read JWT_ONCE_SECRET',
    );
  }
  const claimOptions: ClaimOptions =
    env === undefined ? ({ ...rest } as ClaimOptions) : { ...optionsFromEnv(env), ...stripUndefined(rest) };
  if (typeof scope === 'string') claimOptions.scope = scope;
  const claimer = createClaimer(claimOptions);
  return (token, _request, context) => claimer(token, context);
}

/** Composition: a verifier in front already checked the token; only claim it. */
function verifiedClaim<Req>(
  rest: ClaimSettings<Req>,
  scope: GuardOptions<Req>['scope'],
  verifiedPayload: (request: Req) => unknown,
): ClaimCall<Req> {
  const claimOptions: VerifiedClaimOptions = { ...stripUndefined(rest) };
  if (typeof scope === 'string') claimOptions.scope = scope;
  const claimer = createVerifiedClaimer(claimOptions);
  // The claimer refuses anything but a payload object (401). A promised payload is
  // awaited: its rejection fails the request (5xx), never passes it.
  return (token, request, context) => {
    const payload = verifiedPayload(request);
    if (isThenable(payload)) return Promise.resolve(payload).then((p) => claimer(token, p as JwtPayload | undefined, context));
    return claimer(token, payload as JwtPayload | undefined, context);
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
