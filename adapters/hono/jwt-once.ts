import type { Context, MiddlewareHandler } from 'hono';
import type { JwtPayload } from '../../src/jwt-types.js';
import type { JwtOnceError } from '../../src/errors.js';
import type { Claim } from '../../src/options.js';
import { createRequestGuard, type GuardOptions } from '../../src/request-guard.js';
import { refuse } from '../../src/refusal.js';
import { sendRefusal } from './refusal.js';
import { ANY_METHOD, noRouteMatched, routeLabel } from '../../src/route-scope.js';

/** The variables `jwtOnce` sets: `c.get('jwtPayload')` (the hono/jwt convention) and `c.get('jwtOnce')`. */
export type JwtOnceVariables = {
  /** The verified payload. */
  jwtPayload: JwtPayload;
  /** The claim itself: replay key, expiry, `release()`. */
  jwtOnce: Claim;
};

/** Options of the Hono {@link jwtOnce}. Functions of the request receive the Hono `Context`. */
export type HonoJwtOnceOptions = GuardOptions<Context> & {
  /**
   * Replaces the default answer to a refused token. Receives the
   * `JwtOnceError` (its `code` and `status` say what happened).
   * @default answers with the status, an RFC 6750 challenge and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, c: Context) => Response | Promise<Response>;
};

/** The adapter's own options, beside the {@link GuardOptions}. */
const ADAPTER_OPTIONS = ['onError'] as const;

/**
 * A `scope` for Hono: the pattern of the route whose handler is running
 * (`c.req.routePath`, base path and `app.route()` mount included), as
 * `* <pattern>`, e.g. `* /api/magic-login`. A token passes once per pattern,
 * whatever the spelling of the URL (Hono decodes `%61` to `a`; a parameter in
 * a mount, `app.route('/:tenant', sub)`, is in the pattern, not its value:
 * one scope for every tenant) and whatever the method.
 *
 * `*`: every method of a pattern is one scope. Hono does not say which
 * methods a handler was registered for (`app.on(['GET', 'POST'], path, ...)`
 * registers one route per method, each reporting its own method), so a label
 * with the method would let one token through once per method of such a
 * route. The cost: `app.get('/x', ...)` and `app.post('/x', ...)` share a
 * scope, and a token passes once across them, never more.
 *
 * Needs jwtOnce on the route itself (`app.post(path, jwtOnce(...), handler)`).
 * Registered with `app.use()` (any method, a path ending in `*`) it sees no
 * route and throws a `ConfigError`, which jwtOnce rethrows (a 500
 * through Hono's error handling), never a pass.
 *
 * @example
 * import { jwtOnce, routeScope } from 'jwt-once/hono';
 * app.post('/magic-login', jwtOnce({ secret, algorithms: ['HS256'], scope: routeScope }), handler); // '* /magic-login'
 */
export function routeScope(c: Context): string {
  const route = c.req.matchedRoutes[c.req.routeIndex];
  if (route === undefined || (route.method === 'ALL' && route.path.endsWith('*'))) {
    throw noRouteMatched("app.post('/path', jwtOnce({ scope: routeScope }), handler)");
  }
  return routeLabel(ANY_METHOD, route.path);
}

/**
 * Hono middleware that lets each JWT through once. On success
 * `c.get('jwtPayload')` holds the verified payload and `c.get('jwtOnce')` the
 * claim; a missing, invalid, expired or reused token gets a 401, a store
 * failure a 503. Works on `@hono/node-server` and with `app.request()`.
 *
 * Errors thrown downstream keep their own answer. With `releaseOnError`, a
 * downstream throw (any value, whatever status answers it) or a 5xx response
 * releases the claim before the response is sent; a 4xx response keeps it.
 *
 * With no `secret` key it reads `JWT_ONCE_SECRET` (and `JWT_ONCE_ALGORITHMS`,
 * `JWT_ONCE_ISSUER`, `JWT_ONCE_AUDIENCE`, `JWT_ONCE_STORE`) from the
 * environment, and throws at creation when there is no secret; a `secret` key
 * that is empty (`process.env.X` unset) throws too.
 *
 * Anything that is not a refusal (a `ConfigError` such as {@link routeScope}
 * outside a route, a throwing `getToken`, `scope` or `verifiedPayload`) is
 * rethrown to Hono's error handling (500), never a pass.
 *
 * @example
 * import { Hono } from 'hono';
 * import { jwtOnce } from 'jwt-once/hono';
 * const app = new Hono();
 * app.post('/magic-login', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }), (c) =>
 *   c.json({ user: c.get('jwtPayload').sub }),
 * );
 */
export function jwtOnce(options?: HonoJwtOnceOptions): MiddlewareHandler<{ Variables: JwtOnceVariables }> {
  const guard = createRequestGuard<Context>(options, undefined, ADAPTER_OPTIONS);
  const onError = options?.onError;

  return async function jwtOnceMiddleware(c, next) {
    let claim: Claim;
    try {
      claim = await guard.claim(c, (name) => c.req.header(name));
    } catch (err) {
      // A fault (not a refusal) is rethrown by refuse(), to Hono's app.onError.
      return refuse<Response | Promise<Response>>(err, onError && ((refusal) => onError(refusal, c)), sendRefusal(c));
    }
    c.set('jwtPayload', claim.payload);
    c.set('jwtOnce', claim);
    if (!guard.releaseOnError) return next();
    try {
      await next();
    } catch (err) {
      // Hono hands only `Error`s to app.onError; anything else thrown downstream rejects here.
      await guard.settle(claim, { threw: true, status: 500 });
      throw err;
    }
    // Hono catches downstream errors in its own error handler: `c.error` says one was thrown.
    await guard.settle(claim, { threw: c.error !== undefined, status: c.res.status });
    return undefined;
  };
}
