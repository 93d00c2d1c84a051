import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { JwtPayload } from '../src/jwt-types.js';
import { createRequestGuard, errorResponse, JwtOnceError, type Claim, type GuardOptions } from '../src/index.js';

/** The variables `jwtOnce` sets: `c.get('jwtPayload')` (the hono/jwt convention) and `c.get('jwtOnce')`. */
export type JwtOnceVariables = {
  /** The verified payload. */
  jwtPayload: JwtPayload;
  /** The claim itself: replay key, expiry, `release()`. */
  jwtOnce: Claim;
};

/** Options of the Hono {@link jwtOnce}. Functions of the request receive the Hono `Context`. */
export interface HonoJwtOnceOptions extends GuardOptions<Context> {
  /**
   * Replaces the default answer to a refused token. Receives the
   * `JwtOnceError` (its `code` and `status` say what happened).
   * @default answers with the status, an RFC 6750 challenge and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, c: Context) => Response | Promise<Response>;
}

/**
 * Hono middleware that lets each JWT through once. On success
 * `c.get('jwtPayload')` holds the verified payload and `c.get('jwtOnce')` the
 * claim; a missing, invalid, expired or reused token gets a 401, a store
 * failure a 503. Works on `@hono/node-server` and with `app.request()`.
 *
 * Errors thrown downstream keep their own answer. With `releaseOnError`, a
 * downstream error or a 5xx response releases the claim before the response
 * is sent.
 *
 * With no options it reads `JWT_ONCE_SECRET` (and `JWT_ONCE_ALGORITHMS`,
 * `JWT_ONCE_ISSUER`, `JWT_ONCE_AUDIENCE`) from the environment, and throws at
 * creation when there is no secret.
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
  const guard = createRequestGuard<Context>(options);
  const onError = options?.onError;

  return async function jwtOnceMiddleware(c, next) {
    let claim: Claim;
    try {
      claim = await guard.claim(c, (name) => c.req.header(name));
    } catch (err) {
      if (!(err instanceof JwtOnceError)) throw err;
      if (onError !== undefined) return onError(err, c);
      const answer = errorResponse(err);
      return c.body(answer.body, answer.status as ContentfulStatusCode, answer.headers);
    }
    c.set('jwtPayload', claim.payload);
    c.set('jwtOnce', claim);
    if (!guard.releaseOnError) return next();
    await next();
    // Hono catches downstream errors in its own error handler: `c.error` says one was thrown.
    await guard.settle(claim, { threw: c.error !== undefined, status: c.res.status });
    return undefined;
  };
}

export type { Claim, GuardOptions } from '../src/index.js';
export { JwtOnceError } from '../src/index.js';
