import { METHODS } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { JwtPayload } from '../../src/jwt-types.js';
import type { JwtOnceError } from '../../src/errors.js';
import type { Claim } from '../../src/options.js';
import { createRequestGuard, type GuardOptions } from '../../src/request-guard.js';
import { refuse } from '../../src/refusal.js';
import { expressMiddleware, sendRefusal } from './refusal.js';
import { ANY_METHOD, foldMountPath, noRouteMatched, routeLabel } from '../../src/route-scope.js';

/** The request after `jwtOnce` let it through. */
export type JwtOnceRequest = Request & {
  /** The verified payload (the express-jwt convention). */
  auth?: JwtPayload;
  /** The claim itself: replay key, expiry, `release()`. */
  jwtOnce?: Claim;
};

/** Options of the Express {@link jwtOnce}. */
export type ExpressJwtOnceOptions = GuardOptions<Request> & {
  /**
   * Replaces the default answer to a refused token. Receives the
   * `JwtOnceError` (its `code` and `status` say what happened).
   * @default answers with the status, an RFC 6750 challenge and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, req: Request, res: Response, next: NextFunction) => void;
};

/** The adapter's own options, beside the {@link GuardOptions}. */
const ADAPTER_OPTIONS = ['onError'] as const;

/** What Express 4 and 5 (router 2) leave on `req.route`: the matched route's pattern and methods. */
type MatchedRoute = { path?: unknown; methods?: Record<string, unknown> };

/**
 * A `scope` for Express: the methods and the pattern of the route the router
 * matched, `<methods> <req.baseUrl folded><req.route.path>`, e.g.
 * `POST /api/magic-login`. A token passes once per route, whatever the
 * spelling of the URL (Express ignores case and a trailing slash) and
 * whatever the method.
 *
 * - Methods: every method the route (`req.route`, one `Route` object per
 *   `app.post()`, `app.route()` or `router.all()` call) is registered for,
 *   not the request's: upper case, `HEAD` as `GET`, sorted, comma-joined
 *   (`app.route('/x').get(...).post(...)` is `GET,POST /x`); `*` for a route
 *   of every method (`app.all()`, `router.all()`). Two routes on one path
 *   (`app.get('/x')`, `app.post('/x')`) stay two scopes.
 * - Mount: `req.baseUrl` is the client's spelling of the mount path, and
 *   Express does not say which mount pattern matched it. It is folded: each
 *   segment percent-decoded once, lower case, no repeated or trailing
 *   slashes. A router mounted on a parameter (`app.use('/:tenant', router)`)
 *   gives one scope per value: `/acme`, `/ACME` and `/%61cme` are one.
 *
 * Needs `req.route`: use the middleware as a route handler, not in `app.use()`.
 * Where no route matched it throws a `ConfigError`, which jwtOnce passes
 * to `next(err)` (a 500), never a pass.
 *
 * @example
 * import { jwtOnce, routeScope } from 'jwt-once/express';
 * app.post('/magic-login', jwtOnce({ secret, algorithms: ['HS256'], scope: routeScope }), handler); // 'POST /magic-login'
 * app.all('/hook', jwtOnce({ secret, algorithms: ['HS256'], scope: routeScope }), handler); // '* /hook'
 */
export function routeScope(req: Request): string {
  const route = (req as { route?: MatchedRoute | null }).route;
  if (route === undefined || route === null || route.path === undefined) {
    throw noRouteMatched("app.post('/path', jwtOnce({ scope: routeScope }), handler)");
  }
  // `_all` is router.all(); app.all() registers every method one by one. No methods at all: one label, not the request's.
  const methods = Object.keys(route.methods ?? {}).map((method) => (method === '_all' ? ANY_METHOD : method));
  return routeLabel(methods.length > 0 ? methods : ANY_METHOD, foldMountPath(req.baseUrl ?? '') + String(route.path), METHODS);
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Express middleware that lets each JWT through once. On success `req.auth`
 * holds the verified payload and `req.jwtOnce` the claim; a missing, invalid,
 * expired or reused token gets a 401, a store failure a 503.
 *
 * With no `secret` key it reads `JWT_ONCE_SECRET` (and `JWT_ONCE_ALGORITHMS`,
 * `JWT_ONCE_ISSUER`, `JWT_ONCE_AUDIENCE`, `JWT_ONCE_STORE`) from the
 * environment, and throws at creation when there is no secret; a `secret` key
 * that is empty (`process.env.X` unset) throws too.
 *
 * Anything that is not a refusal (a `ConfigError` such as {@link routeScope}
 * outside a route, a throwing `getToken`, `scope` or `verifiedPayload`, a
 * throwing `onError`) goes to `next(err)`, on Express 4 as on 5: never an
 * unhandled rejection, never a pass.
 *
 * @example
 * import express from 'express';
 * import { jwtOnce } from 'jwt-once/express';
 * const app = express();
 * app.post('/magic-login', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }), (req, res) => {
 *   res.json({ user: (req as JwtOnceRequest).auth!.sub });
 * });
 */
export function jwtOnce(options?: ExpressJwtOnceOptions): RequestHandler {
  const guard = createRequestGuard<Request>(options, undefined, ADAPTER_OPTIONS);
  const onError = options?.onError;

  async function guarded(req: Request, res: Response, next: NextFunction): Promise<void> {
    let claim: Claim;
    try {
      claim = await guard.claim(req, (name) => header(req, name));
    } catch (err) {
      // A fault (not a refusal) is rethrown by refuse() and reaches next(err) through expressMiddleware.
      return refuse(err, onError && ((refusal) => onError(refusal, req, res, next)), sendRefusal(res));
    }
    (req as JwtOnceRequest).auth = claim.payload;
    (req as JwtOnceRequest).jwtOnce = claim;
    if (guard.releaseOnError) {
      // Express hands downstream errors to the error handler, not back here: the status tells.
      res.once('finish', () => void guard.settle(claim, { threw: false, status: res.statusCode }));
    }
    next();
  }

  return expressMiddleware('jwtOnceMiddleware', guarded);
}
