import type { Context, Middleware, Next, ParameterizedContext } from 'koa';
import type { JwtPayload } from '../src/jwt-types.js';
import { createRequestGuard, errorResponse, JwtOnceError, type Claim, type GuardOptions } from '../src/index.js';

/** What `jwtOnce` puts on `ctx.state` when it lets a request through. */
export interface JwtOnceState {
  /** The verified payload (the koa-jwt convention). */
  user: JwtPayload;
  /** The claim itself: replay key, expiry, `release()`. */
  jwtOnce: Claim;
}

/** Options of the Koa {@link jwtOnce}. Functions of the request receive the Koa `ctx`. */
export interface KoaJwtOnceOptions extends GuardOptions<Context> {
  /**
   * Replaces the default answer to a refused token. Receives the
   * `JwtOnceError` (its `code` and `status` say what happened).
   * @default answers with the status, an RFC 6750 challenge and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, ctx: Context, next: Next) => unknown;
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
 * With no options it reads `JWT_ONCE_SECRET` (and `JWT_ONCE_ALGORITHMS`,
 * `JWT_ONCE_ISSUER`, `JWT_ONCE_AUDIENCE`) from the environment, and throws at
 * creation when there is no secret.
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
  const guard = createRequestGuard<Context>(options);
  const onError = options?.onError;

  return async function jwtOnceMiddleware(ctx: ParameterizedContext<JwtOnceState>, next: Next): Promise<unknown> {
    let claim: Claim;
    try {
      claim = await guard.claim(ctx, (name) => ctx.get(name) || undefined);
    } catch (err) {
      if (!(err instanceof JwtOnceError)) throw err;
      if (onError !== undefined) return onError(err, ctx, next);
      const answer = errorResponse(err);
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.body = answer.body;
      return undefined;
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

export type { Claim, GuardOptions } from '../src/index.js';
export { JwtOnceError } from '../src/index.js';
