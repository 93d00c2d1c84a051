import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import { ConfigError, type JwtOnceError } from '../../src/errors.js';
import type { JwtPayload } from '../../src/jwt-types.js';
import type { Claim } from '../../src/options.js';
import { createRequestGuard, type GuardOptions, type RequestGuard } from '../../src/request-guard.js';
import { refuse } from '../../src/refusal.js';
import { ANY_METHOD, methodsLabel, noRouteMatched, routeLabel } from '../../src/route-scope.js';
import { isThenable } from '../../src/thenable.js';
import { sendRefusal } from './refusal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The claim jwt-once made for this request: replay key, expiry,
     * `release()`. `null` (with {@link jwtOncePlugin}) or `undefined` on
     * routes it does not guard.
     */
    jwtOnce?: Claim | null;
  }
  interface FastifyInstance {
    /** The route hook built from the options given to {@link jwtOncePlugin}. */
    jwtOnce: JwtOnceHook;
  }
}

/**
 * A request on a route `jwtOnce` let through. `request.user` is not declared
 * on `FastifyRequest` by jwt-once, so that it never clashes with @fastify/jwt's
 * declaration of the same property: cast to this type to read it.
 */
export type JwtOnceRequest = FastifyRequest & {
  /** The verified payload (the @fastify/jwt convention). */
  user: JwtPayload;
  /** The claim itself: replay key, expiry, `release()`. */
  jwtOnce: Claim;
};

/** Options of the Fastify {@link jwtOnce}. Functions of the request receive the `FastifyRequest`. */
export type FastifyJwtOnceOptions = GuardOptions<FastifyRequest> & {
  /**
   * Replaces the default answer to a refused token. Receives the
   * `JwtOnceError` (its `code` and `status` say what happened) and must
   * answer through `reply` (`reply.code(403).send(...)`); what it throws or
   * rejects with goes to Fastify's error handler. The request never goes on
   * to the handler after a refusal.
   * @default answers with the status, an RFC 6750 challenge and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, request: FastifyRequest, reply: FastifyReply) => unknown;
};

/** A callback-style hook, for a route's `onRequest` or `preHandler`. */
export type JwtOnceHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** Hooks made with `releaseOnError`, and the guard that settles their claims. */
const releasingHooks = new WeakMap<JwtOnceHook, RequestGuard<FastifyRequest>>();
/** Claims waiting for the response, per request (no property is added to the request). */
const pending = new WeakMap<FastifyRequest, { claim: Claim; guard: RequestGuard<FastifyRequest> }>();
/** Requests whose handler threw (Fastify's `onError` hook ran). */
const threw = new WeakSet<FastifyRequest>();
/** Set by {@link jwtOncePlugin} on the `config` of routes whose release hooks it added. */
const RELEASE_WIRED = Symbol('jwt-once release hooks');

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A `scope` of the methods and the pattern of the route Fastify matched
 * (`request.routeOptions.url`, with any `prefix`), `<methods> <url>`, e.g.
 * `POST /magic-login`: a token passes once per route however the client
 * spells the URL (case, trailing or doubled slashes, when the router is told
 * to ignore them; a parameter in a prefix, `/:tenant`, is in the pattern, not
 * its value: one scope for every tenant) and whatever the method.
 *
 * Methods: those the route is registered for (`routeOptions.method`, an
 * array for `method: ['PUT', 'PATCH']`), not the request's: upper case,
 * sorted, comma-joined (`PATCH,PUT`); `*` for a route of every method
 * (`app.all()`). A route answering GET or HEAD is `GET <url>` whatever its
 * other methods: Fastify answers HEAD for a GET route through a twin route
 * that reports only `HEAD`, so both must carry the same label. Two routes on
 * one URL (`app.get('/x')`, `app.post('/x')`) stay two scopes.
 *
 * Where no route matched (the 404 handler) it throws a `ConfigError`,
 * answered 500 by Fastify's error handler, never a pass.
 *
 * @example
 * import { jwtOnce, routeScope } from 'jwt-once/fastify';
 * app.post('/magic-login', { onRequest: jwtOnce({ secret, algorithms: ['HS256'], scope: routeScope }) }, handler); // 'POST /magic-login'
 */
export function routeScope(request: FastifyRequest): string {
  const { url: pattern, method } = request.routeOptions;
  if (typeof pattern !== 'string' || pattern === '') {
    throw noRouteMatched("app.post('/path', { onRequest: jwtOnce({ scope: routeScope }) }, handler)");
  }
  const methods = method === undefined ? [ANY_METHOD] : ([] as string[]).concat(method);
  const every = request.server.supportedMethods;
  // A GET route's HEAD twin reports HEAD alone: every route answering GET or HEAD is labelled GET.
  const answersGet = methods.some((m) => m.toUpperCase() === 'GET' || m.toUpperCase() === 'HEAD');
  return answersGet && methodsLabel(methods, every) !== ANY_METHOD ? routeLabel('GET', pattern) : routeLabel(methods, pattern, every);
}

/**
 * A Fastify route hook that lets each JWT through once:
 * `app.post('/pay', { onRequest: jwtOnce(opts) }, handler)` (or `preHandler`,
 * to run after body parsing and validation). On success `request.user` holds
 * the verified payload (the @fastify/jwt convention) and `request.jwtOnce`
 * the claim; a missing, invalid, expired or reused token gets a 401, a store
 * failure a 503, sent with `reply.code().headers().send()`. Anything that is
 * not a refusal (a `ConfigError` such as {@link routeScope} outside a route, a
 * throwing `getToken`, `scope` or `verifiedPayload`, a throwing `onError`)
 * goes to `done(err)`: Fastify's error handler answers it, never a pass.
 *
 * `releaseOnError` needs {@link jwtOncePlugin} registered before the route
 * (it adds the route's `onError`/`onResponse` hooks that release the claim
 * when the handler throws or answers 5xx); without it such a route answers
 * 500 with a `ConfigError` before any token is claimed.
 *
 * With no options it reads `JWT_ONCE_SECRET` (and `JWT_ONCE_ALGORITHMS`,
 * `JWT_ONCE_ISSUER`, `JWT_ONCE_AUDIENCE`) from the environment, and throws at
 * creation when there is no secret.
 *
 * @example
 * import Fastify from 'fastify';
 * import { jwtOnce, type JwtOnceRequest } from 'jwt-once/fastify';
 * const app = Fastify();
 * app.post('/magic-login', { onRequest: jwtOnce({ secret: process.env.LINK_SECRET!, algorithms: ['HS256'] }) }, async (request) => ({
 *   user: (request as JwtOnceRequest).user.sub,
 * }));
 */
export function jwtOnce(options?: FastifyJwtOnceOptions): JwtOnceHook {
  const guard = createRequestGuard<FastifyRequest>(options, undefined, ['onError']);
  const onError = options?.onError;

  const refused = (err: unknown, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    // Never `done()` after a refusal: the request does not reach the handler. A fault (not a refusal:
    // a ConfigError, a throwing getToken, scope or verifiedPayload), and whatever onError throws or
    // rejects with, goes to `done(err)`: Fastify's error handler, never a pass nor an unhandled rejection.
    try {
      const result = refuse<unknown>(err, onError && ((refusal) => onError(refusal, request, reply)), sendRefusal(reply));
      // The reply itself is a thenable (it settles when the response is sent): not onError's outcome.
      if (result !== reply && isThenable(result)) Promise.resolve(result).catch((thrown: unknown) => done(thrown as Error));
    } catch (thrown) {
      done(thrown as Error);
    }
  };

  function jwtOnceHook(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    if (guard.releaseOnError && request.routeOptions.config[RELEASE_WIRED as never] !== true) {
      return done(
        new ConfigError('`releaseOnError` needs app.register(jwtOncePlugin) before this route, and the hook in the route options'),
      );
    }
    guard
      .claim(request, (name) => header(request, name))
      .then(
        (claim) => {
          (request as JwtOnceRequest).user = claim.payload;
          request.jwtOnce = claim;
          if (guard.releaseOnError) pending.set(request, { claim, guard });
          done();
        },
        (err: unknown) => refused(err, request, reply, done),
      );
  }
  if (guard.releaseOnError) releasingHooks.set(jwtOnceHook, guard);
  return jwtOnceHook;
}

function markThrown(request: FastifyRequest, _reply: FastifyReply, _error: Error, done: () => void): void {
  threw.add(request);
  done();
}

function settleClaim(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const entry = pending.get(request);
  if (entry === undefined) return done();
  pending.delete(request);
  // settle never rejects; the response is already sent, so this only delays the hook chain.
  void entry.guard.settle(entry.claim, { threw: threw.has(request), status: reply.statusCode }).then(() => done());
}

function hooksOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** `onRoute`: a route guarded by a `releaseOnError` hook gets the hooks that release its claim. */
function wireRelease(route: RouteOptions): void {
  const guarded = [...hooksOf(route.onRequest), ...hooksOf(route.preHandler)].some((hook) => releasingHooks.has(hook as JwtOnceHook));
  if (!guarded) return;
  route.onError = [...(hooksOf(route.onError) as never[]), markThrown as never];
  route.onResponse = [...(hooksOf(route.onResponse) as never[]), settleClaim as never];
  route.config = { ...(route.config as object), [RELEASE_WIRED]: true } as never;
}

const plugin: FastifyPluginCallback<FastifyJwtOnceOptions> = (app: FastifyInstance, options, done) => {
  let hook: JwtOnceHook;
  try {
    hook = jwtOnce(options);
  } catch (err) {
    // A ConfigError rejects `app.register(...)` / `app.ready()`.
    return done(err as Error);
  }
  // Declared once, so every request keeps one shape; @fastify/jwt may already own `user`.
  if (!app.hasRequestDecorator('user')) app.decorateRequest('user', null as never);
  if (!app.hasRequestDecorator('jwtOnce')) app.decorateRequest('jwtOnce', null);
  app.decorate('jwtOnce', hook);
  app.addHook('onRoute', wireRelease);
  done();
};

/**
 * The plugin form, for `app.register`: declares `request.user` (unless
 * @fastify/jwt already did) and `request.jwtOnce` once, so requests keep one
 * shape; decorates the instance with `app.jwtOnce`, the route hook built from
 * these options; and adds, to every route registered after it whose
 * `onRequest`/`preHandler` holds a `releaseOnError` hook, the `onError` and
 * `onResponse` hooks that release the claim when the handler throws or
 * answers 5xx. Marked as fastify-plugin marks plugins (skip-override), so
 * the decorations reach the registering scope, without a dependency on it.
 *
 * @example
 * await app.register(jwtOncePlugin, { secret: process.env.LINK_SECRET!, algorithms: ['HS256'], releaseOnError: true });
 * app.post('/pay', { onRequest: app.jwtOnce }, async (request) => ({ paid: request.jwtOnce!.key }));
 */
export const jwtOncePlugin: FastifyPluginCallback<FastifyJwtOnceOptions> = Object.assign(plugin, {
  // What fastify-plugin sets: no encapsulation, a display name and the supported Fastify major.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'jwt-once',
  [Symbol.for('plugin-meta')]: { fastify: '5.x', name: 'jwt-once' },
});
