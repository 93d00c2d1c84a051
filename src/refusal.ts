import { ConfigError, JwtOnceError } from './errors.js';
import { errorResponse, type ErrorResponse } from './http-response.js';

/**
 * Refusal or fault? A refusal is a {@link JwtOnceError} that is not a
 * {@link ConfigError}: the client's credential was refused (401, 400) or the
 * store could not say (503), and the middleware answers it. Anything else (a
 * `ConfigError` at request time, such as `routeScope` outside a route, or
 * whatever a `getToken`, `scope`, `verifiedPayload`, `accessTokenPayload` or
 * nonce callback throws) is a fault of the server, for the framework's error
 * handling.
 *
 * @example
 * isRefusal(new ReusedTokenError()); // true
 * isRefusal(new ConfigError('`scope` must return a string')); // false
 */
function isRefusal(err: unknown): err is JwtOnceError {
  return err instanceof JwtOnceError && !(err instanceof ConfigError);
}

/**
 * The one step every middleware runs when its check fails: a refusal goes to
 * the user's `onError` when there is one, else to `write` with the default
 * answer ({@link errorResponse}); a fault is rethrown as it is, for the
 * adapter to hand to the framework's error channel (Express `next(err)`, a
 * Koa or Hono throw, Fastify's error handler, a rejected Web handler).
 *
 * @throws {unknown} `err` itself when it is not a refusal.
 * @example
 * try {
 *   claim = await guard.claim(req, header);
 * } catch (err) {
 *   const write = (answer: ErrorResponse) => res.writeHead(answer.status, answer.headers).end(answer.body);
 *   return refuse(err, onError && ((e) => onError(e, req, res)), write);
 * }
 */
export function refuse<R>(err: unknown, onError: ((err: JwtOnceError) => R) | undefined, write: (answer: ErrorResponse) => R): R {
  if (!isRefusal(err)) throw err;
  return onError === undefined ? write(errorResponse(err)) : onError(err);
}
