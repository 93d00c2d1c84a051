import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { JwtPayload } from '../src/jwt-types.js';
import { createRequestGuard, errorResponse, JwtOnceError, type Claim, type GuardOptions } from '../src/index.js';

/** The request after `jwtOnce` let it through. */
export type JwtOnceRequest = Request & {
  /** The verified payload (the express-jwt convention). */
  auth?: JwtPayload;
  /** The claim itself: replay key, expiry, `release()`. */
  jwtOnce?: Claim;
};

/** Options of the Express {@link jwtOnce}. */
export interface ExpressJwtOnceOptions extends GuardOptions<Request> {
  /**
   * Replaces the default answer to a refused token. Receives the
   * `JwtOnceError` (its `code` and `status` say what happened).
   * @default answers with the status, an RFC 6750 challenge and an RFC 9457 problem body
   */
  onError?: (err: JwtOnceError, req: Request, res: Response, next: NextFunction) => void;
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
 * With no options it reads `JWT_ONCE_SECRET` (and `JWT_ONCE_ALGORITHMS`,
 * `JWT_ONCE_ISSUER`, `JWT_ONCE_AUDIENCE`) from the environment, and throws at
 * creation when there is no secret.
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
  const guard = createRequestGuard<Request>(options);
  const onError = options?.onError;

  return async function jwtOnceMiddleware(req: Request, res: Response, next: NextFunction): Promise<void> {
    let claim: Claim;
    try {
      claim = await guard.claim(req, (name) => header(req, name));
    } catch (err) {
      if (!(err instanceof JwtOnceError)) return next(err);
      if (onError !== undefined) return onError(err, req, res, next);
      const answer = errorResponse(err);
      res.status(answer.status).set(answer.headers).send(answer.body);
      return;
    }
    (req as JwtOnceRequest).auth = claim.payload;
    (req as JwtOnceRequest).jwtOnce = claim;
    if (guard.releaseOnError) {
      // Express hands downstream errors to the error handler, not back here: the status tells.
      res.once('finish', () => void guard.settle(claim, { threw: false, status: res.statusCode }));
    }
    next();
  };
}

export type { Claim, GuardOptions } from '../src/index.js';
export { JwtOnceError } from '../src/index.js';
