import { METHODS } from 'node:http';
import type { Context, Middleware, Next, ParameterizedContext } from 'koa';
import type { JwtPayload } from '../../src/jwt-types.js';
import type { JwtOnceError } from '../../src/errors.js';
import type { Claim } from '../../src/options.js';
import { createRequestGuard, type GuardOptions } from '../../src/request-guard.js';
import { refuse } from '../../src/refusal.js';
import { sendRefusal } from './refusal.js';
import { noRouteMatched, routeLabel, sharedMethods } from '../../src/route-scope.js';

/** What `jwtOnce` puts on `ctx.state` when it lets a request through. */
export interface JwtOnceState {
  /** The verified payload (the koa-jwt convention). */
  user: JwtPayload;
  /** The claim itself: replay key, expiry, `release()`. */
  jwtOnce: Claim;
}

/** Options of the Koa {@link jwtOnce}. Functions of the request receive the Koa `ctx`. */
export type KoaJwtOnceOptions = GuardOptions<Context> & {
  /**
   * Replaces the default answer to a refused token. Receives the
   * `JwtOnceError` (its `code` and `status` say what happened).
   * @default answers with the status, an RFC 6750 challenge and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, ctx: Context, next: Next) => unknown;
};

/** The adapter's own options, beside the {@link GuardOptions}. */
const ADAPTER_OPTIONS = ['onError'] as const;

/** How to use routeScope, for the ConfigError where no route matched. */
const USAGE = "router.post('/path', jwtOnce({ scope: routeScope }), handler)";

/** A `@koa/router` layer: a route (with methods) or a `router.use()` middleware (none). */
type RouterLayer = { path: unknown; methods: string[] };

/** What `@koa/router` leaves on `ctx`: the pattern of the route running, the matched layers, the dispatching router. */
type RoutedContext = Context & { _matchedRoute?: unknown; matched?: RouterLayer[]; router?: { stack?: RouterLayer[] } };

/**
 * A `scope` for Koa with `@koa/router`: the methods and the pattern of the
 * route the router matched (`ctx._matchedRoute`, prefix and nested mounts
 * included), `<methods> <pattern>`, e.g. `POST /api/magic-login`. A token
 * passes once per route, whatever the spelling of the URL (the router ignores
 * case and a trailing slash, and a parameter in a prefix, `/:tenant`, is in
 * the pattern, not its value: one scope for every tenant) and whatever the
 * method.
 *
 * Methods: the router says which pattern matched, not which of its layers
 * runs, so they are the methods of the routes of that pattern (in
 * `ctx.router.stack`) that share a method with the one answering the request,
 * transitively: upper case, `HEAD` as `GET`, sorted, comma-joined; `*` for
 * `router.all()`. So `router.register('/x', ['get', 'post'], ...)` is
 * `GET,POST /x` for both methods, while `router.get('/x')` and
 * `router.post('/x')` stay two scopes (`GET /x`, `POST /x`).
 *
 * Needs a matched route: use the middleware as a route guard
 * (`router.post(path, jwtOnce(...), handler)`). In `app.use()` or
 * `router.use()` it throws a `ConfigError`, which jwtOnce rethrows (a
 * 500 through Koa's error handling), never a pass.
 *
 * @example
 * import { jwtOnce, routeScope } from 'jwt-once/koa';
 * router.post('/magic-login', jwtOnce({ secret, algorithms: ['HS256'], scope: routeScope }), handler); // 'POST /magic-login'
 * router.all('/hook', jwtOnce({ secret, algorithms: ['HS256'], scope: routeScope }), handler); // '* /hook'
 */
export function routeScope(ctx: Context): string {
  const { _matchedRoute: pattern, matched, router } = ctx as RoutedContext;
  // router.use() layers match too, with no methods: only a route layer names a route.
  const isRoute = (layer: RouterLayer): boolean => layer.path === pattern && layer.methods.length > 0;
  if (pattern === undefined || !matched?.some(isRoute)) throw noRouteMatched(USAGE);
  // Every route of the pattern in the router, not only those this URL matched: a label of the routes, not of the request.
  const methods = sharedMethods(
    (router?.stack ?? matched).filter(isRoute).map((layer) => layer.methods),
    ctx.method,
  );
  if (methods === undefined) throw noRouteMatched(USAGE);
  return routeLabel(methods, String(pattern), METHODS);
}

/**
 * Koa middleware that lets each JWT through once, for `app.use()` or as a
 * `@koa/router` route guard. On success `ctx.state.user` holds the verified
 * payload and `ctx.state.jwtOnce` the claim; a missing, invalid, expired or
 * reused token gets a 401, a store failure a 503.
 *
 * Only the claim is inside the error handling: errors thrown downstream keep
 * their own status. With `releaseOnError`, a downstream throw or a 5xx status
 * releases the claim before the response is sent.
 *
 * With no `secret` key it reads `JWT_ONCE_SECRET` (and `JWT_ONCE_ALGORITHMS`,
 * `JWT_ONCE_ISSUER`, `JWT_ONCE_AUDIENCE`, `JWT_ONCE_STORE`) from the
 * environment, and throws at creation when there is no secret; a `secret` key
 * that is empty (`process.env.X` unset) throws too.
 *
 * Anything that is not a refusal (a `ConfigError` such as {@link routeScope}
 * outside a route, a throwing `getToken`, `scope` or `verifiedPayload`) is
 * rethrown to Koa's error handling (500), never a pass.
 *
 * @example
 * import Koa from 'koa';
 * import Router from '@koa/router';
 * import { jwtOnce } from 'jwt-once/koa';
 * const router = new Router();
 * router.post('/magic-login', jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }), (ctx) => {
 *   ctx.body = { user: ctx.state.user.sub };
 * });
 * new Koa().use(router.routes()).listen(3000);
 */
export function jwtOnce(options?: KoaJwtOnceOptions): Middleware<JwtOnceState> {
  const guard = createRequestGuard<Context>(options, undefined, ADAPTER_OPTIONS);
  const onError = options?.onError;

  return async function jwtOnceMiddleware(ctx: ParameterizedContext<JwtOnceState>, next: Next): Promise<unknown> {
    let claim: Claim;
    try {
      claim = await guard.claim(ctx, (name) => ctx.get(name) || undefined);
    } catch (err) {
      // A fault (not a refusal) is rethrown by refuse(), to Koa's error handling.
      return refuse<unknown>(err, onError && ((refusal) => onError(refusal, ctx, next)), sendRefusal(ctx));
    }
    ctx.state.user = claim.payload;
    ctx.state.jwtOnce = claim;
    if (!guard.releaseOnError) return next();
    try {
      await next();
    } catch (err) {
      await guard.settle(claim, { threw: true, status: 500 });
      throw err;
    }
    await guard.settle(claim, { threw: false, status: ctx.status });
    return undefined;
  };
}
