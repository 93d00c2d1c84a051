// What both Express middlewares (jwtOnce, dpopOnce) share: how a refusal is written, and the Express 4 guard.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ErrorResponse } from '../../src/http-response.js';

/**
 * Writes a refusal's default answer on `res`.
 *
 * @example
 * refuse(err, undefined, sendRefusal(res));
 */
export function sendRefusal(res: Response): (answer: ErrorResponse) => void {
  return (answer) => {
    res.status(answer.status).set(answer.headers).send(answer.body);
  };
}

/**
 * Wraps an async middleware for Express 4 and 5 alike: Express 4 ignores the
 * promise a handler returns, so whatever throws or rejects after the first
 * await (a fault, a throwing `onError`) would be an unhandled rejection, which
 * ends the process. Here it goes to `next(err)`. The result is named `name`.
 *
 * @example
 * return expressMiddleware('jwtOnceMiddleware', guarded);
 */
export function expressMiddleware(
  name: string,
  guarded: (req: Request, res: Response, next: NextFunction) => Promise<void>,
): RequestHandler {
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    guarded(req, res, next).catch(next);
  };
  return Object.defineProperty(middleware, 'name', { value: name });
}
